/** Validate files (DESIGN.md §1 steps 1-3) for every front end: expand, open safely, check the rules. */
import { ExaiError, isExaiError } from '../errors.js';
import type { Config } from '../config/types.js';
import type { LoadedConfig } from '../config/load.js';
import type { HashCache } from '../files/hash-cache.js';
import type { Runtime } from '../runtime.js';
import type { AllowlistChoice } from '../validate/allowlist.js';
import type { ValidationReport } from '../validate/report.js';

export interface ValidateFilesOptions {
  /** Largest file for this run, as typed (`10MB`). */
  maxSize?: string | undefined;
  /** MIME types allowed on top of whichever list applies (naming active content lets it through). */
  allowMime?: readonly string[] | undefined;
  /** MIME types refused on top of the configured ones. */
  blockMime?: readonly string[] | undefined;
  /** Extensions blocked on top of the configured list. */
  blockExt?: readonly string[] | undefined;
  /** Judge against what this destination accepts: `kimi`, `kimi:file-extract`. */
  for?: string | undefined;
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
  /** Which MIME allowlist applied (`kimi:file-extract`, `default`, `config`) and where it came from. */
  allowlist: AllowlistChoice;
}

/** Report every file under `paths`; throws only for bad options or an argument that names no file. */
export async function validateFiles(rt: Runtime, paths: readonly string[], opts: ValidateFilesOptions = {}): Promise<ValidateFilesResult> {
  const config = await applyOverrides(rt.loaded, opts);
  const allowlist = await chooseRunAllowlist(rt.loaded, config, opts);
  const { expandInputs } = await import('../files/expand.js');
  const { pathPolicyFor } = await import('../files/policy.js');
  const expanded = await expandInputs(paths, rt.cwd, pathPolicyFor(config, rt.cwd));
  const cache = await openCacheQuietly(config.dirs.state, opts.onWarning);
  try {
    const timed = await inspectAll(expanded.files, { config, allowlist, cwd: rt.cwd, signal: rt.signal }, cache, opts.onProgress);
    const { reportUnreadable } = await import('../validate/report.js');
    const pathErrors = expanded.errors.map(reportUnreadable);
    return { reports: [...timed.reports, ...pathErrors], seconds: [...timed.seconds, ...pathErrors.map(() => 0)], allowlist };
  } finally {
    cache?.close();
  }
}

async function applyOverrides(loaded: LoadedConfig, opts: ValidateFilesOptions): Promise<Config> {
  if (!opts.maxSize && !opts.blockMime?.length && !opts.blockExt?.length) return loaded.config;
  const { applyFlagOverrides } = await import('../config/load.js');
  const flags: Record<string, { value: string; flag: string }> = {};
  if (opts.maxSize) flags['maxFileSize'] = { value: opts.maxSize, flag: '--max-size' };
  if (opts.blockMime?.length) flags['blockedMimeTypes'] = { value: [...loaded.config.blockedMimeTypes, ...opts.blockMime].join(','), flag: '--block-mime' };
  if (opts.blockExt?.length) flags['blockedExtensions'] = { value: [...loaded.config.blockedExtensions, ...opts.blockExt].join(','), flag: '--block-ext' };
  return applyFlagOverrides(loaded, flags).config;
}

// allowMime is not merged into the config: it goes on top of whichever list applies, and
// naming a type is what lets active content of that type through.
async function chooseRunAllowlist(loaded: LoadedConfig, config: Config, opts: ValidateFilesOptions): Promise<AllowlistChoice> {
  const { chooseAllowlist } = await import('../validate/allowlist.js');
  const destination = opts.for === undefined ? undefined : await (await import('../../providers/accepts.js')).parseDestination(opts.for);
  const configuredByUser = loaded.sources['allowedMimeTypes']?.kind !== 'default';
  return chooseAllowlist({ destination, configured: config.allowedMimeTypes, configuredByUser, extra: opts.allowMime ?? [] });
}

// The cache only saves re-reading; a read-only or locked state dir must not fail validation.
// The state dir and file are checked now (so the warning comes first); SQLite opens only when
// the first file big enough to be cached turns up.
async function openCacheQuietly(stateDir: string, onWarning: ((message: string) => void) | undefined): Promise<HashCache | undefined> {
  const warn = (error: unknown): void => onWarning?.(`hash cache unavailable, every file will be read: ${(error as Error).message}`);
  try {
    const { prepareHashCacheFile } = await import('../files/hash-cache.js');
    const { HASH_CACHE_MIN_BYTES, lazyHashCache } = await import('../files/lazy-hash-cache.js');
    return lazyHashCache(await prepareHashCacheFile(stateDir), (identity) => identity.size >= HASH_CACHE_MIN_BYTES, warn);
  } catch (error) {
    warn(error);
    return undefined;
  }
}

interface RunSettings {
  config: Config;
  allowlist: AllowlistChoice;
  cwd: string;
  /** Checked before each file: a library or MCP caller that cancels 10,000 files stops now, not at the end. */
  signal: AbortSignal;
}

async function inspectAll(
  files: readonly string[],
  run: RunSettings,
  hashCache: HashCache | undefined,
  onProgress: ValidateFilesOptions['onProgress'],
): Promise<Omit<ValidateFilesResult, 'allowlist'>> {
  const { inspectFile, toValidationReport, rulesFor } = await import('../validate/index.js');
  const { mapLimit } = await import('../concurrency.js');
  const { pathPolicyFor } = await import('../files/policy.js');
  const policy = pathPolicyFor(run.config, run.cwd);
  const rules = rulesFor(run.config, run.allowlist);
  const seconds = new Array<number>(files.length).fill(0);
  let done = 0;
  const reports = await mapLimit(files, Math.max(4, run.config.concurrency), async (file, index) => {
    if (run.signal.aborted) throw interrupted(run.signal);
    // hrtime, not performance.now: the first read of `performance` loads perf_hooks (~0.7 ms of start-up).
    const t0 = process.hrtime.bigint();
    const inspection = await inspectFile(file, { policy, rules, hashCache });
    seconds[index] = Number(process.hrtime.bigint() - t0) / 1e9;
    onProgress?.(++done, files.length);
    return toValidationReport(inspection, run.allowlist.name);
  });
  return { reports, seconds };
}

function interrupted(signal: AbortSignal): ExaiError {
  const reason: unknown = signal.reason;
  return isExaiError(reason) ? reason : new ExaiError('INTERRUPTED', 'validation was interrupted');
}
