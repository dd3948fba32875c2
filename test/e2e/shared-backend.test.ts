/**
 * The built CLI (bin/exai.js, the bundle) against the loopback Supabase on PostgreSQL:
 * login from stdin, upload with its archive copy, ls, quota and rm, each a real process.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pgSkipReason, startSupabaseWorld, type SupabaseWorld } from '../helpers/supabase-world.js';

const skip = await pgSkipReason();
const BIN = path.resolve('bin/exai.js');

describe.skipIf(skip !== undefined)(`exai with SUPABASE_URL, as a process${skip ? ` (skipped: ${skip})` : ''}`, () => {
  let world: SupabaseWorld;
  let root: string;
  beforeAll(async () => {
    world = await startSupabaseWorld();
    root = await fs.mkdtemp(path.join(os.tmpdir(), 'exai-e2e-shared-'));
  });
  afterAll(async () => {
    await world?.close();
    await fs.rm(root, { recursive: true, force: true });
  });

  function exai(args: string[], input = ''): Promise<{ code: number; stdout: string; stderr: string }> {
    const env = {
      PATH: process.env['PATH'] ?? '/usr/bin:/bin',
      HOME: root,
      EXAI_CONFIG_DIR: path.join(root, 'config'),
      EXAI_DATA_DIR: path.join(root, 'data'),
      EXAI_STATE_DIR: path.join(root, 'state'),
      SUPABASE_URL: world.server.url,
      SUPABASE_ANON_KEY: world.server.anonKey,
    };
    const child = spawn(process.execPath, [BIN, ...args], { cwd: root, env, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.stdin.end(input);
    return new Promise((resolve) => child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr })));
  }

  it('login, upload (archived), ls, quota, rm', async () => {
    const user = await world.server.addUser('e2e@example.com', 'e2e-password');
    expect((await exai(['login', '--email', 'e2e@example.com', '--password-stdin'], 'e2e-password\n')).code).toBe(0);
    await fs.writeFile(path.join(root, 'notes.md'), '# e2e\n');
    const up = await exai(['upload', 'notes.md', '--json']);
    expect(up.code).toBe(0);
    const [row] = JSON.parse(up.stdout) as Array<{ sha256: string; file_id: string; provider: string }>;
    expect(row?.provider).toBe('local');
    const archived = await world.admin.query('select 1 from storage.objects where name = $1', [`${user.id}/${row!.sha256}`]);
    expect(archived.rowCount).toBe(1);
    expect(JSON.parse((await exai(['ls', '--json'])).stdout)).toHaveLength(1);
    expect(JSON.parse((await exai(['quota', '--json'])).stdout)).toMatchObject({ used_bytes: 6, limit_bytes: 10 * 1024 ** 3 });
    expect((await exai(['rm', row!.file_id, '--yes'])).code).toBe(0);
    expect(JSON.parse((await exai(['quota', '--json'])).stdout)).toMatchObject({ used_bytes: 0 });
    expect((await exai(['logout'])).code).toBe(0);
    const after = await exai(['ls']);
    expect(after.code).toBe(4);
    expect(after.stderr).toContain('exai login');
  });

  it('processes refreshing one session at the same time all keep it (refresh tokens are single-use)', async () => {
    await world.server.addUser('race@example.com', 'race-password');
    world.server.auth.tokenTtlSeconds = 30; // inside the 90 s refresh margin: the next use refreshes
    try {
      expect((await exai(['login', '--email', 'race@example.com', '--password-stdin'], 'race-password')).code).toBe(0);
      world.server.auth.tokenTtlSeconds = 3600;
      const results = await Promise.all([1, 2, 3, 4].map(() => exai(['whoami'])));
      expect(results.map((r) => r.code)).toEqual([0, 0, 0, 0]);
      expect((await exai(['whoami'])).code).toBe(0);
      const refreshes = world.server.requests.filter((r) => r.path.startsWith('/auth/v1/token?grant_type=refresh_token'));
      expect(refreshes.map((r) => r.status)).toEqual(refreshes.map(() => 200));
    } finally {
      world.server.auth.tokenTtlSeconds = 3600;
    }
  });
});
