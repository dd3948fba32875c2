/**
 * `kill -9` of an upload after the provider stored the file but before its answer arrived:
 * the next run finds that file in the provider's list and records it (no second upload), so
 * the provider holds exactly one file and the catalog one active row pointing at it.
 */
import { readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { startFakeProvider, type FakeFault, type FakeProvider } from '../servers/fake-provider.js';
import { catalogRows, createWorkspace, type Workspace } from '../helpers/workspace.js';

const KEY = 'sk-adopt-test-0123456789';
let server: FakeProvider | undefined;
let ws: Workspace | undefined;

afterEach(async () => {
  await server?.close();
  if (ws) await rm(ws.root, { recursive: true, force: true });
  server = undefined;
  ws = undefined;
});

/** Start `exai upload report.pdf`, wait until `ready()`, then SIGKILL it. */
async function killedUpload(fault: FakeFault | undefined, ready: (p: FakeProvider) => boolean): Promise<{ env: Record<string, string> }> {
  ws = await createWorkspace();
  await ws.file('report.pdf', await readFile(path.resolve('examples/report.pdf')));
  server = await startFakeProvider({ kind: 'kimi', apiKey: KEY, faults: fault ? [fault] : [] });
  const env = { MOONSHOT_API_KEY: KEY, EXAI_KIMI_BASE_URL: server.url };
  const run = ws.spawn(['upload', 'report.pdf'], { env });
  while (!ready(server)) await sleep(20);
  run.child.kill('SIGKILL');
  expect((await run.done).code).not.toBe(0);
  return { env };
}

describe('an upload killed after the body was sent', () => {
  it('is adopted by the next run: one provider file, the row active with its id, nothing sent again', async () => {
    const { env } = await killedUpload({ kind: 'store-then-hang' }, (p) => p.files.size === 1);
    const stored = [...server!.files.keys()];
    const next = await ws!.main(['upload', 'report.pdf', '--json'], { env });
    expect(next.code, next.stderr).toBe(0);
    expect([...server!.files.keys()]).toEqual(stored);
    expect(server!.requests.filter((r) => r.method === 'POST')).toHaveLength(1);
    const rows = await catalogRows(ws!);
    expect(rows.filter((r) => r.status === 'active').map((r) => r.providerFileId)).toEqual(stored);
    expect(rows.filter((r) => r.status === 'uploading')).toEqual([]);
  }, 20_000);

  it('a run killed before anything was stored is uploaded again, once', async () => {
    const { env } = await killedUpload({ kind: 'delay', ms: 60_000 }, (p) => p.requests.some((r) => r.method === 'POST'));
    expect(server!.files.size).toBe(0);
    const next = await ws!.main(['upload', 'report.pdf', '--json'], { env });
    expect(next.code, next.stderr).toBe(0);
    expect(server!.files.size).toBe(1);
    const rows = await catalogRows(ws!);
    expect(rows.filter((r) => r.status === 'active').map((r) => r.providerFileId)).toEqual([...server!.files.keys()]);
  }, 20_000);
});
