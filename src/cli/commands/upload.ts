/** `exai upload <paths…>`: validate everything, then dedup or upload each file exactly once. */
import type { ProviderName } from '../../core/config/types.js';
import { EXIT, exitCodeForBatch, type ExaiError } from '../../core/errors.js';
import type { UploadDeps, UploadOutcome } from '../../core/upload/index.js';
import { GLM_PURPOSES } from '../../providers/glm.js';
import { KIMI_PURPOSES } from '../../providers/kimi.js';
import type { ProviderRegistry } from '../../providers/registry.js';
import type { RuleConfig } from '../../core/validate/rules.js';
import type { Context } from '../context.js';
import { parsePositiveInt } from '../parse.js';
import type { BaseOptions, CommandSpec } from '../spec.js';
import { createUploadEvents, printOutcomes, printRejected } from '../upload-report.js';

export interface UploadCommandOptions extends BaseOptions {
  provider?: ProviderName;
  purpose?: string;
  concurrency?: number;
  dryRun?: boolean;
  failFast?: boolean;
  /** False with --no-archive: no archive copy in the shared backend's Storage. */
  archive?: boolean;
}

export const uploadSpec: CommandSpec<UploadCommandOptions> = {
  name: 'upload',
  args: '<paths...>',
  summary: 'validate files and upload each one once (deduplicated, tracked in the catalog)',
  help: [
    'Validate every file first (same rules as `exai validate`); upload only when all pass. A file already uploaded with the same content, provider and purpose is not sent again.',
    'With no MOONSHOT_API_KEY or ZAI_API_KEY set, files go to the local provider (no key needed). With -q only the file ids are printed, one per line (and errors).',
  ].join('\n\n'),
  examples: ['exai upload report.pdf', 'exai upload docs/ --provider glm --purpose file-extract --json', "exai upload 'dist/**/*.pdf' --dry-run", 'id=$(exai upload -q report.pdf)'],
  options: [
    { flags: '--provider <name>', description: 'upload only to this provider (no fallback)', choices: ['kimi', 'glm', 'local'], defaultText: 'config provider, else kimi, glm, then local' },
    {
      flags: '--purpose <purpose>',
      description: `the provider's file purpose — kimi: ${Object.keys(KIMI_PURPOSES).join(', ')}; glm: ${Object.keys(GLM_PURPOSES).join(', ')}; local: any of these`,
      anyText: true,
      defaultText: 'file-extract',
    },
    { flags: '--concurrency <n>', description: 'files uploaded at once (1-64)', parse: parsePositiveInt('--concurrency', 64), defaultText: 'config concurrency, 4' },
    { flags: '-n, --dry-run', description: 'validate, hash and plan, but send nothing and record nothing' },
    { flags: '--fail-fast', description: 'stop starting new uploads after the first failure' },
    { flags: '--no-archive', description: "shared backend: don't keep an archive copy in Supabase Storage" },
  ],
  load: async () => ({ run: runUpload }),
};

/** Exit 3 if any file is invalid (nothing sent); else 0, 8 when some failed, or the failures' code. */
export async function runUpload(opts: UploadCommandOptions, ctx: Context): Promise<number> {
  const { prepareFiles, uploadBatch } = await import('../../core/upload/index.js');
  const { openHashCache } = await import('../../core/files/hash-cache.js');
  const { pathPolicyFor } = await import('../../core/files/policy.js');
  const { createProgressLine } = await import('../progress.js');
  const config = ctx.config;
  const policy = pathPolicyFor(config, ctx.cwd);
  const hashCache = await openHashCache(config.dirs.state).catch(() => undefined);
  try {
    const checking = createProgressLine(ctx.output, { unit: 'files', verb: 'validating' });
    const rules = await uploadRules(opts, ctx);
    const prepared = await prepareFiles(opts.args, { policy, rules, hashCache, concurrency: config.concurrency, onInspected: (done, total) => checking.update(done, total) }).finally(
      () => checking.stop(),
    );
    if (prepared.rejected > 0) {
      const { countValidationFailures } = await import('../../core/metrics/observe.js');
      countValidationFailures(prepared.reports, ctx.metrics);
      printRejected(prepared.reports, ctx.output);
      return EXIT.validation;
    }
    const deps = { ...(await buildDeps(ctx, policy)), hashCache, archive: opts.archive === false ? undefined : await ctx.archive() };
    const preferred = opts.provider ?? config.provider;
    await checkPurpose(deps.registry, opts.provider, opts.purpose ?? config.purpose);
    announceLocal(deps.registry, preferred, ctx);
    const events = createUploadEvents(prepared.valid, ctx.output);
    const outcomes = await uploadBatch(
      prepared.valid,
      {
        preferred,
        strict: opts.provider !== undefined,
        purpose: opts.purpose ?? config.purpose,
        dryRun: opts.dryRun === true,
        concurrency: opts.concurrency ?? config.concurrency,
        failFast: opts.failFast === true,
      },
      { ...deps, events: events.handlers },
    ).finally(() => events.stop());
    printOutcomes(outcomes, ctx.output, opts.dryRun === true);
    return exitCodeOf(outcomes);
  } finally {
    hashCache?.close();
  }
}

// With --provider (no fallback) the destination is known: its documented list applies, so a
// file it would refuse is rejected before anything is sent. A configured provider is only a
// preference — the file may fall back to another — so then the configured list applies.
async function uploadRules(opts: UploadCommandOptions, ctx: Context): Promise<RuleConfig> {
  const { chooseAllowlist, rulesFor } = await import('../../core/validate/allowlist.js');
  const { acceptedMimeTypes } = await import('../../providers/accepts.js');
  const provider = opts.provider;
  const purpose = opts.purpose ?? ctx.config.purpose ?? 'file-extract';
  const destination = provider === undefined ? undefined : { provider, purpose, accepts: acceptedMimeTypes(provider, purpose) };
  const configuredByUser = ctx.loaded.sources['allowedMimeTypes']?.kind !== 'default';
  return rulesFor(ctx.config, chooseAllowlist({ destination, configured: ctx.config.allowedMimeTypes, configuredByUser, extra: [] }));
}

async function buildDeps(ctx: Context, policy: UploadDeps['policy']): Promise<UploadDeps> {
  const { createBreakerStore } = await import('../../core/resilience.js');
  const { countBreakerTrips } = await import('../../core/metrics/observe.js');
  const [catalog, registry] = await Promise.all([ctx.catalog(), ctx.providers()]);
  // Shared backend: other machines don't take this machine's lockfiles, and rows belong to the signed-in user.
  const userId = ctx.shared ? (await ctx.sharedAuth()).userId : ctx.userId;
  return {
    config: ctx.config,
    catalog,
    registry,
    breaker: countBreakerTrips(createBreakerStore(ctx.config.dirs.state, ctx.config.breaker, ctx.clock), ctx.metrics),
    clock: ctx.clock,
    userId,
    metrics: ctx.metrics,
    policy,
    locksCoverCatalog: !ctx.shared,
    signal: ctx.signal,
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

/** Say plainly when files go to the local folder because no provider key is set. */
function announceLocal(registry: ProviderRegistry, preferred: ProviderName | undefined, ctx: Context): void {
  if (preferred !== undefined) return;
  const remote = registry.configured().filter((p) => p.name !== 'local');
  if (remote.length > 0) return;
  ctx.output.info(
    `no provider API key set (MOONSHOT_API_KEY or ZAI_API_KEY): using the local provider, files are kept in ${ctx.config.dirs.data}/blobs`,
  );
}

function exitCodeOf(outcomes: readonly UploadOutcome[]): number {
  const failures = outcomes.map((o) => o.error).filter((e): e is ExaiError => e !== undefined);
  const succeeded = outcomes.filter((o) => o.status !== 'failed' && o.status !== 'skipped').length;
  return exitCodeForBatch(succeeded, failures);
}
