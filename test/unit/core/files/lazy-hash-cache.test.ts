import fs from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { prepareHashCacheFile, type HashCacheEntry } from '../../../../src/core/files/hash-cache.js';
import { lazyHashCache } from '../../../../src/core/files/lazy-hash-cache.js';
import type { FileIdentity } from '../../../../src/core/files/types.js';
import { makeTempDir } from '../../../fixtures/files.js';

let dir: string;
let file: string;

beforeEach(async () => {
  dir = await makeTempDir('exai-lazy-cache-');
  file = await prepareHashCacheFile(path.join(dir, 'state'));
});

afterEach(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

const identity = (size: bigint, ino = 7n): FileIdentity => ({ dev: 1n, ino, size, mtimeNs: 2n, ctimeNs: 3n, nlink: 1n });
const entry: HashCacheEntry = { sha256: 'a'.repeat(64), sniffedMime: 'application/pdf', sniffedExt: 'pdf', executable: undefined, validUtf8: false, hasNul: true, markup: undefined, headIsWholeFile: false };
const big = (identity: FileIdentity): boolean => identity.size >= 1000n;

describe('lazyHashCache', () => {
  it('never opens SQLite for files it does not want (the cache file stays empty)', async () => {
    const cache = lazyHashCache(file, big, () => undefined);
    expect(cache.prepare?.(identity(10n))).toBeUndefined();
    cache.set(identity(10n), entry);
    expect(cache.get(identity(10n))).toBeUndefined();
    cache.close();
    expect((await fs.stat(file)).size).toBe(0);
  });

  it('opens on the first wanted file and remembers it for the next run', async () => {
    const first = lazyHashCache(file, big, () => undefined);
    await first.prepare?.(identity(5000n));
    first.set(identity(5000n), entry);
    first.close();
    const second = lazyHashCache(file, big, () => undefined);
    await second.prepare?.(identity(5000n));
    expect(second.get(identity(5000n))?.sha256).toBe(entry.sha256);
    // A file it does not want misses even with a row under the same key.
    expect(second.get(identity(10n, 7n))).toBeUndefined();
    second.close();
  });

  it('forgets a wanted entry (an upload found the bytes are not the ones it vouched for)', async () => {
    const cache = lazyHashCache(file, big, () => undefined);
    await cache.prepare?.(identity(5000n));
    cache.set(identity(5000n), entry);
    cache.forget?.(identity(5000n));
    expect(cache.get(identity(5000n))).toBeUndefined();
    cache.close();
  });

  it('reports a cache it cannot open once, then every file misses', async () => {
    await fs.writeFile(file, 'this is not a SQLite database, just some text that fills the header'.repeat(20));
    const errors: unknown[] = [];
    const cache = lazyHashCache(file, big, (error) => errors.push(error));
    await cache.prepare?.(identity(5000n));
    await cache.prepare?.(identity(6000n, 8n));
    cache.set(identity(5000n), entry);
    expect(cache.get(identity(5000n))).toBeUndefined();
    cache.close();
    expect(errors).toHaveLength(1);
    expect(String((errors[0] as Error).message)).toContain("can't be opened");
  });
});
