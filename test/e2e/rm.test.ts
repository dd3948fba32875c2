import { execFile } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startFakeProvider, type FakeProvider } from '../servers/fake-provider.js';
import { makeSandbox, readRows, seed, type Sandbox } from '../cli/catalog-cli.js';

const run = promisify(execFile);
const BIN = path.resolve('bin/exai.js');
const KEY = 'sk-e2e-rm-0123456789-SECRET';
// A spawned exai owns the rows of the OS user it runs as.
const ME = os.userInfo().username;

let kimi: FakeProvider;
let sb: Sandbox;

// Async spawn: the fake server lives in this process and must keep answering meanwhile.
async function exai(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const env = { ...sb.env, MOONSHOT_API_KEY: KEY, EXAI_KIMI_BASE_URL: kimi.url };
  try {
    const r = await run('node', [BIN, ...args], { cwd: sb.cwd, env });
    return { code: 0, stdout: r.stdout, stderr: r.stderr };
  } catch (e) {
    const err = e as { code: number; stdout: string; stderr: string };
    return { code: err.code, stdout: err.stdout, stderr: err.stderr };
  }
}

beforeEach(async () => {
  kimi = await startFakeProvider({ kind: 'kimi', apiKey: KEY });
  sb = await makeSandbox();
});

afterEach(async () => {
  await kimi.close();
});

describe('exai rm (spawned)', () => {
  it('removes an id the provider already deleted: exit 0, row deleted, quota back', async () => {
    const row = await seed(sb, { fileId: 'cgone-e2e', size: 2048, userId: ME });
    const refused = await exai(['rm', 'cgone-e2e']);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('--yes');

    const r = await exai(['rm', 'cgone-e2e', '--yes']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('already gone at provider');
    expect(kimi.requests.filter((q) => q.method === 'DELETE').map((q) => q.status)).toEqual([404]);
    expect((await readRows(sb)).find((x) => x.id === row.id)?.status).toBe('deleted');
    const quota = JSON.parse((await exai(['quota', '--json'])).stdout) as { used_bytes: number; files: number };
    expect(quota).toMatchObject({ used_bytes: 0, files: 0 });
    expect(JSON.parse((await exai(['ls', '--json'])).stdout)).toEqual([]);
  });

  it('a 401 from the provider exits 4, keeps the row and never prints the key', async () => {
    const row = await seed(sb, { fileId: 'c401', userId: ME });
    kimi.setFailAll({ kind: 'reply', status: 401, body: { error: { type: 'invalid_authentication_error', message: `bad key ${KEY}` } } });
    const r = await exai(['rm', 'c401', '--yes']);
    expect(r.code).toBe(4);
    expect(r.stderr).toContain('MOONSHOT_API_KEY');
    expect(r.stdout + r.stderr).not.toContain(KEY);
    expect((await readRows(sb)).find((x) => x.id === row.id)?.status).toBe('active');
  });
});
