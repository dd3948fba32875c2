/** Upload files (DESIGN.md §1) for every front end: validate all, then dedup or send each once. */
import type { ProviderName } from '../config/types.js';
import type { ExaiError } from '../errors.js';
import type { HashCache } from '../files/hash-cache.js';
import type { PathPolicy } from '../files/types.js';
import type { Runtime } from '../runtime.js';
import type { UploadDeps, UploadEvents, UploadOutcome, ValidatedFile } from '../upload/index.js';
import type { RuleConfig } from '../validate/rules.js';
import type { ValidationReport } from '../validate/report.js';
import type { ProviderRegistry } from '../../providers/registry.js';

export interface UploadFilesOptions {
  /** Upload only to this provider (no fallback); its documented allowlist then applies. */
  provider?: ProviderName | undefined;
  /** The provider's file purpose; undefined → the configured one, else each provider's default. */
  purpose?: string | undefined;
  concurrency?: number | undefined;
  dryRun?: boolean | undefined;
  failFast?: boolean | undefined;
  /** False: no archive copy in the shared backend's Storage (--no-archive). */
  archive?: boolean | undefined;
  /** Progress of validation (files checked so far, total). */
  onValidated?: ((done: number, total: number) => void) | undefined;
  /** Called with the files that passed, before any upload starts (to size a progress bar). */
  onStart?: ((files: readonly ValidatedFile[]) => UploadEvents | undefined) | undefined;
  /** Plain notices for people (the local provider is in use). */
  onNotice?: ((message: string) => void) | undefined;
  events?: UploadEvents | undefined;
}

/** Either validation stopped the batch (nothing sent) or each file's outcome. */
export type UploadFilesResult = { kind: 'rejected'; reports: ValidationReport[] } | { kind: 'done'; outcomes: UploadOutcome[] };

/** Validate every file; upload only when all pass. A purpose nobody takes is a usage error. */
export async function uploadFiles(rt: Runtime, paths: readonly string[], opts: UploadFilesOptions = {}): Promise<UploadFilesResult> {
  const { prepareFiles, uploadBatch } = await import('../upload/index.js');
  const { pathPolicyFor } = await import('../files/policy.js');
  const config = rt.config;
  const policy = pathPolicyFor(config, rt.cwd);
  const hashCache = await openUploadHashCache(config.dirs.state);
  try {
    const rules = await uploadRules(rt, opts);
    const prepared = await prepareFiles(paths, { policy, rules, hashCache, concurrency: config.concurrency, onInspected: opts.onValidated });
    if (prepared.rejected > 0) {
      const { countValidationFailures } = await import('../metrics/observe.js');
      countValidationFailures(prepared.reports, rt.metrics);
      return { kind: 'rejected', reports: prepared.reports };
    }
    const deps = { ...(await buildUploadDeps(rt, policy)), hashCache, archive: opts.archive === false ? undefined : await rt.archive() };
    const preferred = opts.provider ?? config.provider;
    const purpose = opts.purpose ?? config.purpose;
    await checkPurpose(deps.registry, opts.provider, purpose);
    const notice = localNotice(deps.registry, preferred, config.dirs.data);
    if (notice) opts.onNotice?.(notice);
    const events = opts.onStart?.(prepared.valid) ?? opts.events;
    const batch = { preferred, strict: opts.provider !== undefined, purpose, dryRun: opts.dryRun === true, concurrency: opts.concurrency ?? config.concurrency, failFast: opts.failFast === true };
    return { kind: 'done', outcomes: await uploadBatch(prepared.valid, batch, { ...deps, events }) };
  } finally {
    hashCache?.close();
  }
}

/**
 * The hash cache, opened (SQLite) only when a file big enough to be worth caching turns up,
 * as validate does: a batch of small files would otherwise open it, write a row per file and
 * sync it at close, to spare re-reads that cost less than those rows. A cache that can't be
 * had only means every file is read.
 */
async function openUploadHashCache(stateDir: string): Promise<HashCache | undefined> {
  try {
    const { prepareHashCacheFile } = await import('../files/hash-cache.js');
    const { HASH_CACHE_MIN_BYTES, lazyHashCache } = await import('../files/lazy-hash-cache.js');
    return lazyHashCache(await prepareHashCacheFile(stateDir), (identity) => identity.size >= HASH_CACHE_MIN_BYTES, () => undefined);
  } catch {
    return undefined;
  }
}

// With a named provider (no fallback) the destination is known: its documented list applies,
// so a file it would refuse is rejected before anything is sent. A configured provider is
// only a preference — the file may fall back to another — so then the configured list applies.
async function uploadRules(rt: Runtime, opts: UploadFilesOptions): Promise<RuleConfig> {
  const { chooseAllowlist, rulesFor } = await import('../validate/allowlist.js');
  const { acceptedMimeTypes } = await import('../../providers/accepts.js');
  const provider = opts.provider;
  const purpose = opts.purpose ?? rt.config.purpose ?? 'file-extract';
  const destination = provider === undefined ? undefined : { provider, purpose, accepts: acceptedMimeTypes(provider, purpose) };
  const configuredByUser = rt.loaded.sources['allowedMimeTypes']?.kind !== 'default';
  return rulesFor(rt.config, chooseAllowlist({ destination, configured: rt.config.allowedMimeTypes, configuredByUser, extra: [] }));
}

/** The upload pipeline's dependencies from a Runtime (breaker trips and uploads counted in its metrics). */
export async function buildUploadDeps(rt: Runtime, policy: PathPolicy): Promise<UploadDeps> {
  const { createBreakerStore } = await import('../resilience.js');
  const { countBreakerTrips } = await import('../metrics/observe.js');
  const [catalog, registry] = await Promise.all([rt.catalog(), rt.providers()]);
  // Shared backend: other machines don't take this machine's lockfiles, and rows belong to the signed-in user.
  const userId = rt.shared ? (await rt.sharedAuth()).userId : rt.userId;
  return {
    config: rt.config,
    catalog,
    registry,
    breaker: countBreakerTrips(createBreakerStore(rt.config.dirs.state, rt.config.breaker, rt.clock), rt.metrics),
    clock: rt.clock,
    userId,
    metrics: rt.metrics,
    policy,
    locksCoverCatalog: !rt.shared,
    signal: rt.signal,
  };
}

/**
 * A purpose no eligible provider takes is a usage error listing the valid ones: with a named
 * provider, that provider's; otherwise the configured providers' (local when none is).
 */
async function checkPurpose(registry: ProviderRegistry, provider: ProviderName | undefined, purpose: string | undefined): Promise<void> {
  if (purpose === undefined) return;
  const { purposeLimitOf, validatePurpose } = await import('../../providers/purposes.js');
  if (provider !== undefined) {
    validatePurpose(registry.get(provider), purpose);
    return;
  }
  const remote = registry.configured().filter((p) => p.name !== 'local');
  const eligible = remote.length > 0 ? remote : [registry.get('local')];
  if (eligible.some((p) => purposeLimitOf(p, purpose) !== undefined)) return;
  validatePurpose(eligible[0]!, purpose);
}

/** Said plainly when files go to the local folder because no provider key is set. */
function localNotice(registry: ProviderRegistry, preferred: ProviderName | undefined, dataDir: string): string | undefined {
  if (preferred !== undefined) return undefined;
  if (registry.configured().some((p) => p.name !== 'local')) return undefined;
  return `no provider API key set (MOONSHOT_API_KEY or ZAI_API_KEY): using the local provider, files are kept in ${dataDir}/blobs`;
}

/** The exit-relevant tally of a finished batch: how many succeeded, and the failures. */
export function tallyOutcomes(outcomes: readonly UploadOutcome[]): { succeeded: number; failures: ExaiError[] } {
  const failures = outcomes.map((o) => o.error).filter((e): e is ExaiError => e !== undefined);
  const succeeded = outcomes.filter((o) => o.status !== 'failed' && o.status !== 'skipped').length;
  return { succeeded, failures };
}
