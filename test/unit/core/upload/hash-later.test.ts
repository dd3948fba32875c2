/**
 * A big binary file whose hash waits for its upload, end to end in-process: a real SQLite
 * catalog, a real hash cache, and a fake Kimi over real HTTP. What a user must be able to rely
 * on: the catalog, the outcome and the provider agree on the file's real SHA-256; the next run
 * is a dedup hit even when the hash is not cached; an abandoned claim of the same size is
 * cleared; a file changed mid-upload is never recorded; a dry run writes nothing.
 */
import { randomBytes } from 'node:crypto';
import { copyFile, open } from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Agent } from 'undici';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { PENDING_SHA256_PREFIX } from '../../../../src/catalog/types.js';
import { openHashCache, type HashCache } from '../../../../src/core/files/hash-cache.js';
import { prepareFiles, uploadFile, type UploadDeps, type UploadOptions, type ValidatedFile } from '../../../../src/core/upload/index.js';
import { createUploadSetup } from '../../../helpers/upload-deps.js';
import { startFakeProvider } from '../../../servers/fake-provider.js';

const KEY = 'sk-kimi-hash-later-0123456789abcdef';
const MiB = 1024 * 1024;
const SIZE = 9 * MiB;
const OPTS: UploadOptions = { preferred: 'kimi', strict: true, dryRun: false };
const realClock = { now: () => Date.now(), sleep: (ms: number, signal?: AbortSignal) => sleep(ms, undefined, { signal }) };

let agent: Agent;
const cleanups: Array<() => Promise<void> | void> = [];

beforeAll(() => {
  agent = new Agent();
});
afterAll(async () => {
  await agent.close();
});
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** A workspace: temp dir, catalog, hash cache, fake Kimi and the deps uploadFile needs. */
async function setUp() {
  const server = await startFakeProvider({ kind: 'kimi', apiKey: KEY });
  cleanups.push(() => server.close());
  const setup = await createUploadSetup({
    prefix: 'exai-hash-later-',
    clock: realClock,
    dispatcher: () => agent,
    config: (base) => ({
      ...base,
      kimi: { apiKey: KEY, baseUrl: server.url },
      retry: { ...base.retry, maxAttempts: 2, baseDelayMs: 5, maxDelayMs: 10 },
      lockTimeoutMs: 20_000,
    }),
  });
  cleanups.push(setup.cleanup);
  const { dir, dirs, config, catalog, policy } = setup;
  const hashCache = await openHashCache(dirs.state);
  cleanups.push(() => hashCache.close());
  const deps: UploadDeps = { ...setup.deps, hashCache };
  /** Validate `name` as upload does; `cache` undefined → no cache, so the hash is unknown. */
  const prepare = async (name: string, cache: HashCache | undefined = undefined): Promise<ValidatedFile> => {
    const batch = await prepareFiles([name], { policy, rules: config, concurrency: 1, hashCache: cache });
    expect(batch.rejected).toBe(0);
    return batch.valid[0]!;
  };
  /** Write a 9 MiB binary PDF; returns its real hash. */
  const writePdf = (name: string, size = SIZE): Promise<string> => setup.writeBinaryPdf(name, size);
  const posts = () => server.requests.filter((r) => r.method === 'POST');
  return { dir, server, catalog, hashCache, deps, prepare, writePdf, posts, dirs };
}

/** A second, empty hash cache: a run that knows nothing about the file. */
async function freshCache(dir: string): Promise<HashCache> {
  const cache = await openHashCache(path.join(dir, `fresh-${randomBytes(4).toString('hex')}`));
  cleanups.push(() => cache.close());
  return cache;
}

describe('a big binary file hashed while it uploads', () => {
  it('empty catalog: uploaded once, and outcome, row, provider and hash cache all hold the real SHA-256', async () => {
    const { catalog, hashCache, deps, prepare, writePdf, posts, server } = await setUp();
    const sha256 = await writePdf('big.pdf');
    const file = await prepare('big.pdf');
    expect(file.sha256).toBeUndefined();

    const outcome = await uploadFile(file, OPTS, deps);
    expect(outcome).toMatchObject({ status: 'uploaded', provider: 'kimi', sha256, size: SIZE, deduplicated: false });
    expect(outcome.sha256).not.toContain(PENDING_SHA256_PREFIX);
    const rows = await catalog.list({});
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ status: 'active', sha256, sizeBytes: SIZE, providerFileId: outcome.fileId });
    expect(posts()).toHaveLength(1);
    expect(posts()[0]).toMatchObject({ sha256, bytes: SIZE, filename: 'big.pdf' });
    expect(server.files.get(outcome.fileId!)?.sha256).toBe(sha256);
    expect(hashCache.get(file.identity)?.sha256).toBe(sha256);
    // So the next validation knows the hash without reading the file.
    expect((await prepare('big.pdf', hashCache)).sha256).toBe(sha256);
  });

  it('the same file again with nothing cached: a dedup hit, no request', async () => {
    const { dir, catalog, deps, prepare, writePdf, posts } = await setUp();
    const sha256 = await writePdf('big.pdf');
    const first = await uploadFile(await prepare('big.pdf'), OPTS, deps);
    expect(first.status).toBe('uploaded');

    const cache = await freshCache(dir);
    const again = await prepare('big.pdf', cache);
    expect(again.sha256).toBeUndefined();
    const outcome = await uploadFile(again, OPTS, { ...deps, hashCache: cache });
    expect(outcome).toMatchObject({ status: 'deduplicated', deduplicated: true, sha256, fileId: first.fileId });
    expect(posts()).toHaveLength(1);
    expect(await catalog.list({})).toHaveLength(1);
    // Hashing to find the duplicate taught the fresh cache too.
    expect(cache.get(again.identity)?.sha256).toBe(sha256);
  });

  it('a copy of the file under another name is a dedup hit as well', async () => {
    const { dir, deps, prepare, writePdf, posts } = await setUp();
    const sha256 = await writePdf('big.pdf');
    await uploadFile(await prepare('big.pdf'), OPTS, deps);
    await copyFile(path.join(dir, 'big.pdf'), path.join(dir, 'copy.pdf'));
    const outcome = await uploadFile(await prepare('copy.pdf'), OPTS, deps);
    expect(outcome).toMatchObject({ status: 'deduplicated', sha256 });
    expect(posts()).toHaveLength(1);
  });

  it('another file of the same size but different content is uploaded', async () => {
    const { catalog, deps, prepare, writePdf, posts } = await setUp();
    const shaA = await writePdf('a.pdf');
    const shaB = await writePdf('b.pdf');
    expect((await uploadFile(await prepare('a.pdf'), OPTS, deps)).sha256).toBe(shaA);
    const outcome = await uploadFile(await prepare('b.pdf'), OPTS, deps);
    expect(outcome).toMatchObject({ status: 'uploaded', sha256: shaB });
    expect(posts().map((r) => r.sha256)).toEqual([shaA, shaB]);
    const rows = await catalog.list({});
    expect(rows.map((r) => r.status)).toEqual(['active', 'active']);
    expect(new Set(rows.map((r) => r.sha256))).toEqual(new Set([shaA, shaB]));
  });

  it('two uploads of the same new file at once (one process): one request, one row, the same file id', async () => {
    const { catalog, deps, prepare, writePdf, posts } = await setUp();
    const sha256 = await writePdf('big.pdf');
    const [a, b] = [await prepare('big.pdf'), await prepare('big.pdf')];
    const outcomes = await Promise.all([uploadFile(a, OPTS, deps), uploadFile(b, OPTS, deps)]);
    expect(outcomes.map((o) => o.status).sort()).toEqual(['deduplicated', 'uploaded']);
    expect(new Set(outcomes.map((o) => o.fileId)).size).toBe(1);
    expect(outcomes.map((o) => o.sha256)).toEqual([sha256, sha256]);
    expect(posts()).toHaveLength(1);
    expect((await catalog.list({})).map((r) => r.status)).toEqual(['active']);
  });

  it('the same content with its hash known, started while the hash-later upload runs: waits, then a dedup hit', async () => {
    const { catalog, deps, prepare, writePdf, server, posts } = await setUp();
    const sha256 = await writePdf('big.pdf');
    const unknown = await prepare('big.pdf');
    server.setFaults([{ kind: 'slow-read', msPerChunk: 5 }]);
    let started!: () => void;
    const sending = new Promise<void>((resolve) => (started = resolve));
    const first = uploadFile(unknown, OPTS, { ...deps, events: { onProgress: () => started() } });
    await sending;
    const second = await uploadFile({ ...unknown, sha256 }, OPTS, deps);
    expect(await first).toMatchObject({ status: 'uploaded', sha256 });
    expect(second).toMatchObject({ status: 'deduplicated', sha256, fileId: (await first).fileId });
    expect(posts()).toHaveLength(1);
    expect((await catalog.list({})).map((r) => r.status)).toEqual(['active']);
  });

  it('a leftover uploading row of the same size (a crashed run) is failed as abandoned, then the file uploads', async () => {
    const { catalog, deps, prepare, writePdf, posts } = await setUp();
    const sha256 = await writePdf('big.pdf');
    const leftover = await catalog.claim({
      userId: 'tester',
      provider: 'kimi',
      purpose: 'file-extract',
      sha256: `${PENDING_SHA256_PREFIX}x`,
      sizeBytes: SIZE,
      mimeType: 'application/pdf',
      originalName: 'crashed.pdf',
      leaseMs: 3_600_000,
      quotaBytes: 1e12,
      now: Date.now(),
    });
    expect(leftover.kind).toBe('claimed');
    const reconciled: string[] = [];
    const outcome = await uploadFile(await prepare('big.pdf'), OPTS, { ...deps, events: { onReconciled: (_f, id) => reconciled.push(id) } });
    expect(outcome).toMatchObject({ status: 'uploaded', sha256 });
    expect(reconciled).toEqual([leftover.record.id]);
    const rows = await catalog.list({});
    expect(rows.find((r) => r.id === leftover.record.id)?.status).toBe('failed');
    expect(rows.filter((r) => r.status === 'active').map((r) => r.sha256)).toEqual([sha256]);
    expect(posts()).toHaveLength(1);
    expect((await catalog.usage('tester')).usedBytes).toBe(SIZE);
  });

  it('a file rewritten in place during the upload: FILE_CHANGED, nothing recorded, quota given back', async () => {
    const { dir, catalog, deps, prepare, writePdf, server } = await setUp();
    await writePdf('big.pdf');
    const file = await prepare('big.pdf');
    server.setFaults([{ kind: 'slow-read', msPerChunk: 5 }]);
    let rewrite: Promise<void> | undefined;
    const onProgress = () => {
      rewrite ??= (async () => {
        const handle = await open(path.join(dir, 'big.pdf'), 'r+');
        await handle.write(Buffer.from([0x42]), 0, 1, 4 * MiB);
        await handle.close();
      })();
    };
    const outcome = await uploadFile(file, OPTS, { ...deps, events: { onProgress } });
    await rewrite;
    expect(rewrite).toBeDefined();
    expect(outcome.status).toBe('failed');
    expect(outcome.error?.name).toBe('FILE_CHANGED');
    expect(outcome.fileId).toBeNull();
    const rows = await catalog.list({});
    expect(rows.map((r) => r.status)).toEqual(['failed']);
    expect(await catalog.usage('tester')).toMatchObject({ usedBytes: 0, activeFiles: 0, uploadingFiles: 0 });
    expect(deps.hashCache?.get(file.identity)).toBeUndefined();
  });

  it('a connection reset mid-body is retried, and the hash is the whole file, not the broken attempt', async () => {
    const { catalog, deps, prepare, writePdf, server, posts } = await setUp();
    const sha256 = await writePdf('big.pdf');
    server.setFaults([{ kind: 'reset', afterBytes: 2 * MiB }]);
    const outcome = await uploadFile(await prepare('big.pdf'), OPTS, deps);
    expect(outcome).toMatchObject({ status: 'uploaded', sha256 });
    expect(posts().length).toBe(2);
    expect(server.files.get(outcome.fileId!)?.sha256).toBe(sha256);
    expect((await catalog.list({})).map((r) => [r.status, r.sha256])).toEqual([['active', sha256]]);
  });

  it('a dry run with the hash unknown reports the real hash and writes nothing', async () => {
    const { dir, catalog, deps, prepare, writePdf, server } = await setUp();
    const sha256 = await writePdf('big.pdf');
    const file = await prepare('big.pdf', await freshCache(dir));
    expect(file.sha256).toBeUndefined();
    const outcome = await uploadFile(file, { ...OPTS, dryRun: true }, deps);
    expect(outcome).toMatchObject({ status: 'would-upload', provider: 'kimi', sha256, size: SIZE });
    expect(await catalog.list({})).toEqual([]);
    expect(server.requests).toHaveLength(0);
  });

  it('a dry run after the upload is a dedup hit even with the hash unknown', async () => {
    const { dir, deps, prepare, writePdf, server } = await setUp();
    const sha256 = await writePdf('big.pdf');
    const first = await uploadFile(await prepare('big.pdf'), OPTS, deps);
    const file = await prepare('big.pdf', await freshCache(dir));
    const outcome = await uploadFile(file, { ...OPTS, dryRun: true }, deps);
    expect(outcome).toMatchObject({ status: 'deduplicated', sha256, fileId: first.fileId });
    expect(server.requests).toHaveLength(1);
  });

  it('a shared catalog (locks do not cover it) hashes first and still records the real hash', async () => {
    const { catalog, deps, prepare, writePdf, posts } = await setUp();
    const sha256 = await writePdf('big.pdf');
    const outcome = await uploadFile(await prepare('big.pdf'), OPTS, { ...deps, locksCoverCatalog: false });
    expect(outcome).toMatchObject({ status: 'uploaded', sha256 });
    expect((await catalog.list({}))[0]).toMatchObject({ status: 'active', sha256 });
    expect(posts()[0]?.sha256).toBe(sha256);
  });
});
