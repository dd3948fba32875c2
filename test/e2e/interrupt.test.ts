/** Ctrl-C in the middle of an upload: exit 130, the row failed (quota back), no lock left. */
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { openSqliteCatalog } from '../../src/catalog/sqlite.js';
import { startFakeProvider, type FakeProvider } from '../servers/fake-provider.js';
import { createWorkspace } from '../helpers/workspace.js';

const KEY = 'sk-interrupt-test-0123456789';
let server: FakeProvider | undefined;

afterEach(async () => {
  await server?.close();
});

describe('SIGINT during upload', () => {
  it('exits 130 and leaves a failed row and no lockfile', async () => {
    const ws = await createWorkspace();
    await ws.file('report.pdf', await readFile(path.resolve('examples/report.pdf')));
    server = await startFakeProvider({ kind: 'kimi', apiKey: KEY, latencyMs: 10_000 });
    const run = ws.spawn(['upload', 'report.pdf'], { env: { MOONSHOT_API_KEY: KEY, EXAI_KIMI_BASE_URL: server.url } });
    while (!server.requests.some((r) => r.method === 'POST')) await sleep(20);
    run.child.kill('SIGINT');
    const result = await run.done;
    expect(result.code, result.stderr).toBe(130);
    const catalog = await openSqliteCatalog({ dir: ws.dataDir });
    try {
      const rows = await catalog.list({});
      expect(rows.map((r) => r.status)).toEqual(['failed']);
      expect((await catalog.usage(rows[0]!.userId)).usedBytes).toBe(0);
    } finally {
      await catalog.close();
    }
    const locks = await readdir(path.join(ws.stateDir, 'locks')).catch(() => []);
    expect(locks.filter((name) => !name.startsWith('.'))).toEqual([]);
  }, 20_000);
});
