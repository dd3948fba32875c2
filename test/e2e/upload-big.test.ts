/**
 * `exai upload` of a big binary file (hashed while it uploads) as real racing processes: eight
 * runs started at once send it once, record one row and all report the same file id and the
 * real SHA-256; the next run is a dedup hit without a request.
 */
import { createHash, randomBytes } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { startFakeProvider, type FakeProvider } from '../servers/fake-provider.js';
import { catalogRows, createWorkspace, type Workspace } from '../helpers/workspace.js';

const KIMI_KEY = 'sk-e2e-kimi-big-00112233445566778899';
const SIZE = 9 * 1024 * 1024;
const PDF_HEAD = Buffer.from('%PDF-1.7\n%\xe2\xe3\xcf\xd3\n', 'latin1');
const servers: FakeProvider[] = [];
const roots: string[] = [];

afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
  await Promise.all(roots.splice(0).map((root) => rm(root, { recursive: true, force: true })));
});

const envFor = (kimi: FakeProvider): Record<string, string> => ({ MOONSHOT_API_KEY: KIMI_KEY, EXAI_KIMI_BASE_URL: kimi.url });
const posts = (server: FakeProvider) => server.requests.filter((r) => r.method === 'POST');

interface JsonRow {
  status: string;
  file_id: string | null;
  sha256: string | null;
  deduplicated: boolean;
}

async function workspaceWithBigPdf(): Promise<{ ws: Workspace; sha256: string }> {
  const ws = await createWorkspace();
  roots.push(ws.root);
  const content = Buffer.concat([PDF_HEAD, randomBytes(SIZE - PDF_HEAD.length)]);
  await ws.file('big.pdf', content);
  await ws.config({ retry: { maxAttempts: 3, baseDelayMs: 5, maxDelayMs: 20 } });
  return { ws, sha256: createHash('sha256').update(content).digest('hex') };
}

function onlyRow(stdout: string): JsonRow {
  const rows = JSON.parse(stdout) as JsonRow[];
  expect(rows).toHaveLength(1);
  return rows[0]!;
}

describe('exai upload of a 9 MiB PDF across processes', () => {
  it('8 processes at once: one POST, one active row, one file id, the real hash everywhere', async () => {
    const { ws, sha256 } = await workspaceWithBigPdf();
    const kimi = await startFakeProvider({ kind: 'kimi', apiKey: KIMI_KEY, latencyMs: 200 });
    servers.push(kimi);
    const runs = Array.from({ length: 8 }, () => ws.spawn(['upload', 'big.pdf', '--json'], { env: envFor(kimi) }).done);
    const results = await Promise.all(runs);
    for (const r of results) expect(r.code, r.stderr).toBe(0);
    const rows = results.map((r) => onlyRow(r.stdout));
    expect(new Set(rows.map((r) => r.file_id)).size).toBe(1);
    expect(rows.map((r) => r.sha256)).toEqual(Array(8).fill(sha256));
    expect(rows.filter((r) => r.status === 'uploaded')).toHaveLength(1);
    expect(rows.filter((r) => r.status === 'deduplicated')).toHaveLength(7);

    expect(posts(kimi)).toHaveLength(1);
    expect(posts(kimi)[0]).toMatchObject({ sha256, bytes: SIZE });
    const live = (await catalogRows(ws)).filter((r) => r.status !== 'failed');
    expect(live).toHaveLength(1);
    expect(live[0]).toMatchObject({ status: 'active', sha256, sizeBytes: SIZE, providerFileId: rows[0]!.file_id });

    const ninth = await ws.spawn(['upload', 'big.pdf', '--json'], { env: envFor(kimi) }).done;
    expect(ninth.code, ninth.stderr).toBe(0);
    expect(onlyRow(ninth.stdout)).toMatchObject({ status: 'deduplicated', deduplicated: true, file_id: rows[0]!.file_id, sha256 });
    expect(kimi.requests).toHaveLength(1);
  }, 30_000);

  it('8 processes with 8 different files of the same size: each is uploaded once under its own hash', async () => {
    const { ws } = await workspaceWithBigPdf();
    const hashes: string[] = [];
    for (let i = 0; i < 8; i++) {
      const content = Buffer.concat([PDF_HEAD, randomBytes(SIZE - PDF_HEAD.length)]);
      await ws.file(`part-${i}.pdf`, content);
      hashes.push(createHash('sha256').update(content).digest('hex'));
    }
    const kimi = await startFakeProvider({ kind: 'kimi', apiKey: KIMI_KEY });
    servers.push(kimi);
    const runs = hashes.map((_, i) => ws.spawn(['upload', `part-${i}.pdf`, '--json'], { env: envFor(kimi) }).done);
    const results = await Promise.all(runs);
    for (const r of results) expect(r.code, r.stderr).toBe(0);
    expect(results.map((r) => onlyRow(r.stdout))).toEqual(hashes.map((sha256) => expect.objectContaining({ status: 'uploaded', sha256 })));
    expect(posts(kimi).map((p) => p.sha256).sort()).toEqual([...hashes].sort());
    const active = (await catalogRows(ws)).filter((r) => r.status === 'active');
    expect(active.map((r) => r.sha256).sort()).toEqual([...hashes].sort());
  }, 30_000);
});
