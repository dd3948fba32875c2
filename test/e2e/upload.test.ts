/**
 * `exai upload` as real processes: restarts, eight racing runs, a run killed with SIGKILL in
 * the middle of its upload, and a circuit breaker whose state outlives the process.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { startFakeProvider, type FakeProvider } from '../servers/fake-provider.js';
import { catalogRows, createWorkspace, type Workspace } from '../helpers/workspace.js';

const KIMI_KEY = 'sk-e2e-kimi-secret-00112233445566778899';
const GLM_KEY = 'e2e-glm-secret-99887766.5544332211';
const servers: FakeProvider[] = [];

afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

async function start(kind: 'kimi' | 'glm', options: Partial<Parameters<typeof startFakeProvider>[0]> = {}): Promise<FakeProvider> {
  const server = await startFakeProvider({ kind, apiKey: kind === 'kimi' ? KIMI_KEY : GLM_KEY, ...options });
  servers.push(server);
  return server;
}

const envFor = (kimi?: FakeProvider, glm?: FakeProvider): Record<string, string> => ({
  ...(kimi ? { MOONSHOT_API_KEY: KIMI_KEY, EXAI_KIMI_BASE_URL: kimi.url } : {}),
  ...(glm ? { ZAI_API_KEY: GLM_KEY, EXAI_GLM_BASE_URL: glm.url } : {}),
});
const uploads = (server: FakeProvider) => server.requests.filter((r) => r.method === 'POST').length;

async function workspace(): Promise<Workspace> {
  const ws = await createWorkspace();
  await ws.file('report.pdf', await readFile(path.resolve('examples/report.pdf')));
  await ws.config({ retry: { maxAttempts: 3, baseDelayMs: 5, maxDelayMs: 20 } });
  return ws;
}

describe('exai upload across processes', () => {
  it('a dedup hit after a restart makes no request', async () => {
    const ws = await workspace();
    const kimi = await start('kimi');
    const first = await ws.spawn(['upload', 'report.pdf', '--json'], { env: envFor(kimi) }).done;
    expect(first.code).toBe(0);
    const before = kimi.requests.length;
    const second = await ws.spawn(['upload', 'report.pdf'], { env: envFor(kimi) }).done;
    expect(second.code).toBe(0);
    expect(second.stdout).toContain('already uploaded');
    expect(kimi.requests.length).toBe(before);
  });

  it('8 processes uploading the same file: one provider upload, one row, one file id', async () => {
    const ws = await workspace();
    const kimi = await start('kimi', { latencyMs: 300 });
    const runs = Array.from({ length: 8 }, () => ws.spawn(['upload', 'report.pdf', '--json'], { env: envFor(kimi) }).done);
    const results = await Promise.all(runs);
    for (const r of results) expect(r.code, r.stderr).toBe(0);
    const ids = new Set(results.map((r) => (JSON.parse(r.stdout) as Array<{ file_id: string }>)[0]?.file_id));
    expect(ids.size).toBe(1);
    expect(uploads(kimi)).toBe(1);
    expect(kimi.files.size).toBe(1);
    const rows = await catalogRows(ws);
    expect(rows.filter((r) => r.status !== 'failed')).toHaveLength(1);
  }, 30_000);

  it('kill -9 in the middle of an upload: the next run takes over and uploads once', async () => {
    const ws = await workspace();
    const kimi = await start('kimi', { latencyMs: 10_000 });
    const victim = ws.spawn(['upload', 'report.pdf'], { env: envFor(kimi) });
    while (uploads(kimi) === 0) await sleep(20);
    victim.child.kill('SIGKILL');
    await victim.done;
    expect(kimi.files.size).toBe(0);
    kimi.setLatency(0);
    const next = await ws.spawn(['upload', 'report.pdf'], { env: envFor(kimi) }).done;
    expect(next.code, next.stderr).toBe(0);
    expect(next.stdout).toMatch(/report\.pdf {2}kimi .* uploaded/);
    expect(next.stderr).toContain('took over an abandoned upload');
    expect(kimi.files.size).toBe(1);
    const rows = await catalogRows(ws);
    expect(rows.map((r) => r.status).sort()).toEqual(['active', 'failed']);
    const again = await ws.spawn(['upload', 'report.pdf'], { env: envFor(kimi) }).done;
    expect(again.stdout).toContain('already uploaded');
    expect(uploads(kimi)).toBe(2);
  }, 30_000);

  it('the breaker opens, falls back to GLM, and is still open in the next process', async () => {
    const ws = await workspace();
    await ws.config({ retry: { maxAttempts: 1 }, breaker: { failureThreshold: 2, cooldownMs: 600_000 } });
    for (const name of ['a', 'b', 'c']) await ws.file(`${name}.txt`, `file ${name}\n`);
    const kimi = await start('kimi', { failAll: { kind: 'server-error', status: 503 } });
    const glm = await start('glm');
    for (const name of ['a', 'b']) {
      const run = await ws.spawn(['upload', `${name}.txt`, '--json'], { env: envFor(kimi, glm) }).done;
      expect(run.code, run.stderr).toBe(0);
      expect((JSON.parse(run.stdout) as Array<{ provider: string }>)[0]?.provider).toBe('glm');
    }
    expect(uploads(kimi)).toBe(2);
    const third = await ws.spawn(['upload', 'c.txt', '--json'], { env: envFor(kimi, glm) }).done;
    expect(third.code).toBe(0);
    expect((JSON.parse(third.stdout) as Array<{ provider: string }>)[0]?.provider).toBe('glm');
    expect(uploads(kimi)).toBe(2);
    expect(uploads(glm)).toBe(3);
  }, 30_000);
});
