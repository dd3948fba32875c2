/**
 * A hash cache that opens SQLite only when a file that can use it turns up. Opening costs
 * ~15 ms (the native addon, WAL set-up) — as much as validating a hundred small documents —
 * and a run over small files, which are never cached, would pay it for nothing.
 */
import { openHashCacheFile, type HashCache } from './hash-cache.js';
import type { FileIdentity } from './types.js';

/**
 * Below this size re-reading a file costs less than a SQLite lookup and write (bench/validate.mjs):
 * the size `wants` callers pick from.
 */
export const HASH_CACHE_MIN_BYTES = 256n * 1024n;

/**
 * The cache at `file` (made by prepareHashCacheFile), for the files `wants` picks; the rest
 * always miss. A failed open is reported once to `onError`, then every file misses.
 */
export function lazyHashCache(file: string, wants: (identity: FileIdentity) => boolean, onError: (error: unknown) => void): HashCache {
  let cache: HashCache | undefined;
  let opening: Promise<void> | undefined;
  let closed = false;
  return {
    prepare(identity) {
      if (cache !== undefined || !wants(identity)) return undefined;
      opening ??= openHashCacheFile(file).then(
        (opened) => {
          // A close that came first (the run ended) still owns the connection: shut it.
          if (closed) opened.close();
          else cache = opened;
        },
        onError,
      );
      return opening;
    },
    get: (identity) => (wants(identity) ? cache?.get(identity) : undefined),
    set: (identity, entry) => {
      if (wants(identity)) cache?.set(identity, entry);
    },
    // An entry is only ever served from an opened cache, so one that must go is in an open one.
    forget: (identity) => {
      if (wants(identity)) cache?.forget?.(identity);
    },
    close: () => {
      closed = true;
      cache?.close();
    },
  };
}
