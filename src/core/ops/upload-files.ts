/** Upload files (DESIGN.md §1) for every front end: validate all, then dedup or send each once. */
import type { ProviderName } from '../config/types.js';
import type { ExaiError } from '../errors.js';
import type { PathPolicy } from '../files/types.js';
import type { Runtime } from '../runtime.js';
import type { UploadDeps, UploadEvents, UploadOutcome, ValidatedFile } from '../upload/index.js';
import type { ValidationReport } from '../validate/report.js';
import type { ProviderRegistry } from '../../providers/registry.js';

export interface UploadFilesOptions {
  /** Upload only to this provider (no fallback). */
  provider?: ProviderName | undefined;
  /** The provider's file purpose; undefined → the configured one, else each provider's default. */
  purpose?: string | undefined;
  concurrency?: number | undefined;
  dryRun?: boolean | undefined;
  failFast?: boolean | undefined;
  /** Progress of validation (files checked so far, total). */
  onValidated?: ((done: number, total: number) => void) | undefined;
  /** Called with the files that passed, before any upload starts (to size a progress bar). */
  onStart?: ((files: readonly ValidatedFile[]) => void) | undefined;
  /** Plain notices for people (the local provider is in use). */
  onNotice?: ((message: string) => void) | undefined;
  events?: UploadEvents | undefined;
}

/** Either validation stopped the batch (nothing sent) or each file's outcome. */
export type UploadFilesResult =
  | { kind: 'rejected'; reports: ValidationReport[] }
  | { kind: 'done'; outcomes: UploadOutcome[] };

/** Validate every file; upload only when all pass. A purpose nobody takes is a usage error. */
export async function uploadFiles(rt: Runtime, paths: readonly string[], opts: UploadFilesOptions = {}): Promise<UploadFilesResult> {
  const { prepareFiles, uploadBatch } = await import('../upload/index.js');
  const { openHashCache } = await import('../files/hash-cache.js');
  const { pathPolicyFor } = await import('../files/policy.js');
  const config = rt.config;
  const policy = pathPolicyFor(config, rt.cwd);
  const hashCache = await openHashCache(config.dirs.state).catch(() => undefined);
  try {
    const prepared = await prepareFiles(paths, { policy, rules: config, hashCache, concurrency: config.concurrency, onInspected: opts.onValidated });
    if (prepared.rejected > 0) return { kind: 'rejected', reports: prepared.reports };
    const deps = { ...(await buildUploadDeps(rt, policy)), hashCache, events: opts.events };
    const preferred = opts.provider ?? config.provider;
    const purpose = opts.purpose ?? config.purpose;
    await checkPurpose(deps.registry, opts.provider, purpose);
    const notice = localNotice(deps.registry, preferred, config.dirs.data);
    if (notice) opts.onNotice?.(notice);
    opts.onStart?.(prepared.valid);
    const batch = { preferred, strict: opts.provider !== undefined, purpose, dryRun: opts.dryRun === true, concurrency: opts.concurrency ?? config.concurrency, failFast: opts.failFast === true };
    return { kind: 'done', outcomes: await uploadBatch(prepared.valid, batch, deps) };
  } finally {
    hashCache?.close();
  }
}

/** The upload pipeline's dependencies from a Runtime. */
export async function buildUploadDeps(rt: Runtime, policy: PathPolicy): Promise<UploadDeps> {
  const { createBreakerStore } = await import('../resilience.js');
  const [catalog, registry] = await Promise.all([rt.catalog(), rt.providers()]);
  return {
    config: rt.config,
    catalog,
    registry,
    breaker: createBreakerStore(rt.config.dirs.state, rt.config.breaker, rt.clock),
    clock: rt.clock,
    userId: rt.userId,
    policy,
    locksCoverCatalog: true,
    signal: rt.signal,
  };
}

/**
 * A purpose no eligible provider takes is a usage error listing the valid ones: with
 * --provider, that provider's; otherwise the configured providers' (local when none is).
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
