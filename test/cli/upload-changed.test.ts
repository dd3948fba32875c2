/**
 * `exai upload --dry-run`, then another process rewrites the file through a shared mmap
 * (size, mtime and ctime unchanged, so the hash cache still vouches for it), then
 * `exai upload`: the run must refuse the file, store nothing anywhere, and the next
 * `exai upload` must see the file as it really is (rejected), not as the cache remembered it.
 */
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { mapShared, statKey } from '../helpers/mmap-rewriter.js';
import { catalogRows, createWorkspace } from '../helpers/workspace.js';
import { startFakeProvider } from '../servers/fake-provider.js';

const KEY = 'sk-cli-changed-0123456789abcdef';
const ELF = Buffer.from('7f454c4602010100000000000000000002003e00', 'hex');
const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

describe('exai upload after upload --dry-run, the file changed behind its stat', () => {
  it('fails FILE_CHANGED, the provider holds no file, no row is active, and the next run rejects the ELF', async () => {
    const ws = await createWorkspace();
    cleanups.push(() => rm(ws.root, { recursive: true, force: true }));
    const kimi = await startFakeProvider({ kind: 'kimi', apiKey: KEY });
    cleanups.push(() => kimi.close());
    const env = { MOONSHOT_API_KEY: KEY, EXAI_KIMI_BASE_URL: kimi.url };
    // Big enough for the hash cache (small files are re-read instead), so the cache vouches for it.
    const full = await ws.file('notes.txt', 'meeting notes, plain text\n'.repeat(12_000));
    const mapping = await mapShared(full);
    cleanups.push(() => mapping.close());

    const dry = await ws.main(['upload', 'notes.txt', '--dry-run'], { env });
    expect(dry.code, dry.stderr).toBe(0);
    const before = await statKey(path.join(ws.cwd, 'notes.txt'));
    await mapping.write(0, ELF);
    expect(await statKey(path.join(ws.cwd, 'notes.txt'))).toBe(before);

    const run = await ws.main(['upload', 'notes.txt', '--json'], { env });
    expect(run.code).toBe(3);
    const rows = JSON.parse(run.stdout) as Array<{ status: string; error?: { name: string } }>;
    expect(rows[0]).toMatchObject({ status: 'failed', error: { name: 'FILE_CHANGED' } });
    expect(kimi.files.size).toBe(0);
    expect((await catalogRows(ws)).filter((r) => r.status !== 'failed')).toEqual([]);

    const again = await ws.main(['upload', 'notes.txt', '--json'], { env });
    expect(again.code).toBe(3);
    expect(again.stdout + again.stderr).toContain('EXECUTABLE_CONTENT');
    expect(kimi.files.size).toBe(0);
  });
});
