/**
 * `exai rm` and `exai upload` against a provider whose connect hangs (a full accept queue):
 * the command ends at its deadline with PROVIDER_TIMEOUT and a hint, and leaves the catalog as
 * it was (the row kept, its quota still counted; an upload's row failed, nothing held).
 */
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHungConnect, type HungConnect } from '../servers/hung-connect.js';
import { makeSandbox, readRows, runCli, seed, type Sandbox } from './catalog-cli.js';

const KEY = 'sk-test-hung-SECRET-0123456789abcdef';

let hung: HungConnect;
beforeAll(async () => {
  hung = await startHungConnect();
});
afterAll(async () => {
  await hung.close();
});

/** A sandbox whose kimi is the hung port, with a 200 ms request deadline and two attempts. */
async function sandbox(): Promise<Sandbox> {
  const sb = await makeSandbox({ MOONSHOT_API_KEY: KEY, EXAI_KIMI_BASE_URL: hung.url, EXAI_REQUEST_DEADLINE: '200ms' });
  for (const [key, value] of [['retry.maxAttempts', '2'], ['http.connectTimeoutMs', '600000']]) {
    expect((await runCli(sb, ['config', 'set', key!, value!])).code).toBe(0);
  }
  return sb;
}

const usedBytes = async (sb: Sandbox) => (JSON.parse((await runCli(sb, ['quota', '--json'])).stdout) as { used_bytes: number }).used_bytes;

describe('a provider whose connect hangs', () => {
  it('rm ends with PROVIDER_TIMEOUT and a hint; the row stays active and its bytes counted', async () => {
    const sb = await sandbox();
    const row = await seed(sb, { fileId: 'chung1', size: 4096 });
    const r = await runCli(sb, ['rm', 'chung1', '--yes']);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('did not finish within 200 ms (gave up after 2 attempts)');
    expect(r.stderr).toContain('hint: the provider is too slow or stalled');
    expect(r.stdout + r.stderr).not.toContain(KEY);
    expect((await readRows(sb)).find((x) => x.id === row.id)?.status).toBe('active');
    expect(await usedBytes(sb)).toBe(4096);
  });

  it('upload ends with PROVIDER_TIMEOUT and a hint; its row is failed and holds no quota', async () => {
    const sb = await sandbox();
    await writeFile(path.join(sb.cwd, 'notes.txt'), 'notes\n'.repeat(50));
    const r = await runCli(sb, ['upload', 'notes.txt', '--provider', 'kimi', '--json']);
    expect(r.code).not.toBe(0);
    expect(r.stdout).toContain('PROVIDER_TIMEOUT');
    expect(r.stdout + r.stderr).not.toContain(KEY);
    expect((await readRows(sb)).map((x) => x.status)).toEqual(['failed']);
    expect(await usedBytes(sb)).toBe(0);
  });
});
