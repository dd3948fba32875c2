/**
 * The harness of the "what is sent is what was validated" tests (issue 14): a fake Kimi on
 * loopback, a catalog and a hash cache, a clock whose retry sleep can run a rewrite, and a
 * shared mmap of a file (mmap-rewriter.ts) that changes bytes behind every stat check.
 */
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Agent } from 'undici';
import { afterAll, afterEach, beforeAll, expect } from 'vitest';
import type { Catalog } from '../../src/catalog/types.js';
import { openHashCache, type HashCache } from '../../src/core/files/hash-cache.js';
import { prepareFiles, type UploadDeps, type UploadOptions, type ValidatedFile } from '../../src/core/upload/index.js';
import { startFakeProvider } from '../servers/fake-provider.js';
import { createUploadSetup } from './upload-deps.js';
import { mapShared, statKey, type MmapRewriter } from './mmap-rewriter.js';

const KEY = 'sk-kimi-sent-bytes-0123456789abcdef';

/** Upload to the fake Kimi, strictly. */
export const KIMI: UploadOptions = { preferred: 'kimi', strict: true, dryRun: false };

/** Register the hooks (call at the top of a test file) and return the per-test setUp. */
export function useSentBytesHarness() {
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
  return () => setUp(cleanups, () => agent);
}

/** A fake Kimi, a catalog, a hash cache, and a clock whose retry sleep runs `betweenAttempts`. */
async function setUp(cleanups: Array<() => Promise<void> | void>, agent: () => Agent) {
  const server = await startFakeProvider({ kind: 'kimi', apiKey: KEY });
  cleanups.push(() => server.close());
  let betweenAttempts: (() => Promise<void>) | undefined;
  const clock = {
    now: () => Date.now(),
    sleep: async (ms: number, signal?: AbortSignal) => {
      await betweenAttempts?.();
      await sleep(ms, undefined, { signal });
    },
  };
  const setup = await createUploadSetup({
    prefix: 'exai-sent-bytes-',
    clock,
    dispatcher: agent,
    config: (base) => ({ ...base, kimi: { apiKey: KEY, baseUrl: server.url }, retry: { ...base.retry, maxAttempts: 3, baseDelayMs: 1, maxDelayMs: 2 } }),
  });
  cleanups.push(setup.cleanup);
  const hashCache = await openHashCache(setup.dirs.state);
  cleanups.push(() => hashCache.close());
  const deps: UploadDeps = { ...setup.deps, hashCache };
  const prepare = async (name: string, cache?: HashCache): Promise<ValidatedFile> => {
    const batch = await prepareFiles([name], { policy: setup.policy, rules: setup.config, concurrency: 1, hashCache: cache });
    expect(batch.rejected).toBe(0);
    return batch.valid[0]!;
  };
  const map = async (name: string): Promise<MmapRewriter> => {
    const mapping = await mapShared(path.join(setup.dir, name));
    cleanups.push(() => mapping.close());
    return mapping;
  };
  const onRetry = (fn: () => Promise<void>) => {
    betweenAttempts = async () => {
      betweenAttempts = undefined;
      await fn();
    };
  };
  return { ...setup, server, hashCache, deps, prepare, map, onRetry };
}

/** Rewrite through the mapping and prove the stat did not move (else this tests nothing new). */
export async function rewriteUnseen(mapping: MmapRewriter, file: string, offset: number, bytes: Buffer): Promise<void> {
  const before = await statKey(file);
  await mapping.write(offset, bytes);
  expect(await statKey(file)).toBe(before);
}

/** The provider holds no file, and the catalog no row but failed ones, and counts no bytes. */
export async function expectNothingKept(catalog: Catalog, server: { files: Map<string, unknown> }): Promise<void> {
  expect(server.files.size).toBe(0);
  const rows = await catalog.list({});
  expect(rows.filter((r) => r.status !== 'failed')).toEqual([]);
  expect(await catalog.usage('tester')).toMatchObject({ usedBytes: 0, activeFiles: 0, uploadingFiles: 0 });
}
