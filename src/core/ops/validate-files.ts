/** Validate files (DESIGN.md §1 steps 1-3) for every front end: expand, open safely, check the rules. */
import type { Config } from '../config/types.js';
import type { HashCache } from '../files/hash-cache.js';
import type { Runtime } from '../runtime.js';
import type { ValidationReport } from '../validate/report.js';

export interface ValidateFilesOptions {
  /** Largest file for this run, as typed (`10MB`); a bad value is a usage error. */
  maxSize?: string | undefined;
  /** MIME types allowed on top of the configured list. */
  allowMime?: readonly string[] | undefined;
  /** Extensions blocked on top of the configured list. */
  blockExt?: readonly string[] | undefined;
  /** After each file, the count so far and the total. */
  onProgress?: ((done: number, total: number) => void) | undefined;
  /** Something worth saying that does not fail the run (the hash cache could not open). */
  onWarning?: ((message: string) => void) | undefined;
}

export interface ValidateFilesResult {
  /** One report per file, then one per input that could not be expanded. */
  reports: ValidationReport[];
  /** Seconds each report took (0 for an input that could not be expanded). */
  seconds: number[];
}

// Below this size re-reading costs less than a SQLite lookup and write: the cache only
// pays off for files whose read pass is measurable (bench/validate.mjs).
const HASH_CACHE_MIN_BYTES = 256n * 1024n;

/** Report every file under `paths`; never throws for a bad file, only for bad options. */
export async function validateFiles(rt: Runtime, paths: readonly string[], opts: ValidateFilesOptions = {}): Promise<ValidateFilesResult> {
  const config = await applyOverrides(rt, opts);
  const cachePromise = openCacheQuietly(config.dirs.state, opts.onWarning);
  const { expandInputs } = await import('../files/expand.js');
  const expanded = await expandInputs(paths, rt.cwd);
  const cache = await cachePromise;
  try {
    const timed = await inspectAll(expanded.files, config, rt.cwd, cache, opts.onProgress);
    const { reportUnreadable } = await import('../validate/report.js');
    const pathErrors = expanded.errors.map(reportUnreadable);
    return { reports: [...timed.reports, ...pathErrors], seconds: [...timed.seconds, ...pathErrors.map(() => 0)] };
  } finally {
    cache?.close();
  }
}

async function applyOverrides(rt: Runtime, opts: ValidateFilesOptions): Promise<Config> {
  if (!opts.maxSize && !opts.allowMime?.length && !opts.blockExt?.length) return rt.config;
  const { applyFlagOverrides } = await import('../config/load.js');
  const flags: Record<string, { value: string; flag: string }> = {};
  if (opts.maxSize) flags['maxFileSize'] = { value: opts.maxSize, flag: '--max-size' };
  if (opts.allowMime?.length) flags['allowedMimeTypes'] = { value: [...rt.config.allowedMimeTypes, ...opts.allowMime].join(','), flag: '--allow-mime' };
  if (opts.blockExt?.length) flags['blockedExtensions'] = { value: [...rt.config.blockedExtensions, ...opts.blockExt].join(','), flag: '--block-ext' };
  return applyFlagOverrides(rt.loaded, flags).config;
}

// The cache only saves re-reading; a read-only or locked state dir must not fail validation.
async function openCacheQuietly(stateDir: string, onWarning: ((message: string) => void) | undefined): Promise<HashCache | undefined> {
  try {
    const { openHashCache } = await import('../files/hash-cache.js');
    return onlyLargeFiles(await openHashCache(stateDir));
  } catch (error) {
    onWarning?.(`hash cache unavailable, every file will be read: ${(error as Error).message}`);
    return undefined;
  }
}

function onlyLargeFiles(cache: HashCache): HashCache {
  return {
    get: (identity) => (identity.size >= HASH_CACHE_MIN_BYTES ? cache.get(identity) : undefined),
    set: (identity, entry) => {
      if (identity.size >= HASH_CACHE_MIN_BYTES) cache.set(identity, entry);
    },
    close: () => cache.close(),
  };
}

async function inspectAll(
  files: readonly string[],
  config: Config,
  cwd: string,
  hashCache: HashCache | undefined,
  onProgress: ValidateFilesOptions['onProgress'],
): Promise<ValidateFilesResult> {
  const { inspectFile, toValidationReport } = await import('../validate/index.js');
  const { mapLimit } = await import('../concurrency.js');
  const { pathPolicyFor } = await import('../files/policy.js');
  const policy = pathPolicyFor(config, cwd);
  const rules = { maxFileSize: config.maxFileSize, allowedMimeTypes: config.allowedMimeTypes, blockedExtensions: config.blockedExtensions, allowActiveContent: config.allowActiveContent };
  const seconds = new Array<number>(files.length).fill(0);
  let done = 0;
  const reports = await mapLimit(files, Math.max(4, config.concurrency), async (file, index) => {
    const t0 = performance.now();
    const inspection = await inspectFile(file, { policy, rules, hashCache });
    seconds[index] = (performance.now() - t0) / 1000;
    onProgress?.(++done, files.length);
    return toValidationReport(inspection);
  });
  return { reports, seconds };
}
