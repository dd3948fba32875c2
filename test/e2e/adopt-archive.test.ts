/**
 * The shared backend's adoption after `kill -9` (contract item 3): the crashed run died after
 * Kimi stored the file and before its archive copy, so the run that adopts the file must make
 * that copy — as a normal upload does — and record it on the row. The killed run is the built
 * CLI (bin/exai.js); the adopting run is in-process; the backend is the loopback Supabase on
 * a real PostgreSQL.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeProvider, type FakeProvider } from '../servers/fake-provider.js';
import { pgSkipReason, startSupabaseWorld, type SupabaseWorld } from '../helpers/supabase-world.js';
import { makeMachine, type Machine } from '../cli/supabase-run.js';

const skip = await pgSkipReason();
const KEY = 'sk-adopt-archive-0123456789';
const BIN = path.resolve('bin/exai.js');

describe.skipIf(skip !== undefined)(`adoption on the shared backend${skip ? ` (skipped: ${skip})` : ''}`, () => {
  let world: SupabaseWorld;
  let kimi: FakeProvider;
  let machine: Machine;
  beforeAll(async () => {
    world = await startSupabaseWorld();
    kimi = await startFakeProvider({ kind: 'kimi', apiKey: KEY, faults: [{ kind: 'store-then-hang' }] });
    machine = await makeMachine(world.server);
    Object.assign(machine.env, { MOONSHOT_API_KEY: KEY, EXAI_KIMI_BASE_URL: kimi.url, PATH: process.env['PATH'] ?? '/usr/bin:/bin', HOME: machine.root });
  });
  afterAll(async () => {
    await machine?.close();
    await kimi?.close();
    await world?.close();
  });

  it('gives the adopted file its archive copy, like a normal upload', async () => {
    const user = await world.server.addUser('adopt@example.com', 'adopt-password');
    expect((await machine.run(['login', '--email', 'adopt@example.com', '--password-stdin'], { stdin: 'adopt-password' })).code).toBe(0);
    await fs.writeFile(path.join(machine.cwd, 'report.pdf'), await fs.readFile(path.resolve('examples/report.pdf')));

    const child = spawn(process.execPath, [BIN, 'upload', 'report.pdf', '--provider', 'kimi'], { cwd: machine.cwd, env: machine.env, stdio: 'ignore' });
    const exited = new Promise((resolve) => child.on('close', resolve));
    while (kimi.files.size === 0) await sleep(20);
    child.kill('SIGKILL');
    await exited;
    const stored = [...kimi.files.keys()];
    const archivedBefore = await world.admin.query(`SELECT 1 FROM storage.objects WHERE name LIKE $1`, [`${user.id}/%`]);
    expect(archivedBefore.rowCount).toBe(0); // the crashed run never reached its archive copy
    // Another machine could not tell the crash from a slow upload: it waits out the lease
    // (6 s at least). Let it have lapsed already.
    await world.admin.query(`UPDATE public.files SET lease_expires_at = now() - interval '1 second' WHERE user_id = $1 AND status = 'uploading'`, [user.id]);

    const next = await machine.run(['upload', 'report.pdf', '--provider', 'kimi', '--json']);
    expect(next.code, next.stderr).toBe(0);
    expect([...kimi.files.keys()]).toEqual(stored);
    expect(kimi.requests.filter((r) => r.method === 'POST')).toHaveLength(1);
    const { rows } = await world.admin.query(`SELECT provider_file_id, sha256, storage_path FROM public.files WHERE user_id = $1 AND status = 'active'`, [user.id]);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ provider_file_id: stored[0], storage_path: `${user.id}/${rows[0].sha256}` });
    const archived = await world.admin.query(`SELECT metadata->>'size' AS size FROM storage.objects WHERE name = $1`, [rows[0].storage_path]);
    expect(archived.rows).toEqual([{ size: String((await fs.stat(path.join(machine.cwd, 'report.pdf'))).size) }]);
  }, 30_000);
});
