/** `exai gc`: delete what retention and orphan rules say should go, safely and on a schedule. */
import { EXIT, ExaiError, exitCodeForBatch } from '../../core/errors.js';
import type { GcOutcome, GcPlan, GcPolicy } from '../../core/lifecycle/index.js';
import type { Catalog } from '../../catalog/types.js';
import type { Archive } from '../../core/archive.js';
import { formatBytes, parseDuration } from '../../core/units.js';
import type { Context } from '../context.js';
import { describeCandidate, printGcReport, writeGcJson, startPlanningSpinner } from '../gc-print.js';
import type { BaseOptions, CommandSpec } from '../spec.js';

export interface GcOptions extends BaseOptions {
  dryRun?: boolean;
  olderThan?: number;
  provider?: 'kimi' | 'glm' | 'local';
  status?: 'failed';
  maxDelete?: number;
  orphans?: boolean;
  yes?: boolean;
  ifDue?: boolean;
}

export const gcSpec: CommandSpec<GcOptions> = {
  name: 'gc',
  summary: 'delete files past retention, failed uploads and (with --orphans) orphans',
  help: 'Plan first, then delete: files older than retentionDays (or --older-than) at the provider and in the catalog, failed uploads from the catalog, and with --orphans provider files no row references (never younger than 1h) and rows whose provider file is gone.\nAsks on a terminal; needs --yes otherwise. --dry-run changes nothing anywhere.\n\nExamples:\n  exai gc --dry-run\n  exai gc --older-than 7d --provider kimi --max-delete 100 --yes\n  exai gc --if-due --yes   # from cron every few minutes',
  options: [
    { flags: '-n, --dry-run', description: 'print what would be deleted, with reason, age and size; change nothing' },
    { flags: '--older-than <age>', description: 'retention for this run (30d, 12h); default retentionDays', parse: parseOlderThan },
    { flags: '--provider <name>', description: 'only this provider', choices: ['kimi', 'glm', 'local'] },
    { flags: '--status <status>', description: 'only purge failed uploads', choices: ['failed'] },
    { flags: '--max-delete <n>', description: 'refuse (delete nothing, exit 2) when the plan deletes more than n', parse: parseMaxDelete },
    { flags: '--orphans', description: 'delete orphans too (they are always listed)' },
    { flags: '-y, --yes', description: 'do not ask for confirmation' },
    { flags: '--if-due', description: 'exit 0 at once unless the last gc is older than gcInterval (24h)' },
  ],
  load: async () => ({ run: runGc }),
};

function parseOlderThan(value: string): number {
  const parsed = parseDuration(value, { bareUnit: 's' });
  if (!parsed.ok) throw new ExaiError('USAGE', `--older-than: ${parsed.error}`);
  return parsed.value;
}

function parseMaxDelete(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(n)) throw new ExaiError('USAGE', `--max-delete must be a whole number, got "${value}"`);
  return n;
}

/** Plan, check the limits, confirm, apply, report. */
export async function runGc(opts: GcOptions, ctx: Context): Promise<number> {
  const lifecycle = await import('../../core/lifecycle/index.js');
  const now = ctx.clock.now();
  if (opts.ifDue && lifecycle.gcNotDue(await lifecycle.readLastGcRun(ctx.config.dirs.state), now, ctx.config.gcIntervalMs)) {
    ctx.output.info('gc is not due yet (see gcInterval)');
    return EXIT.ok;
  }
  const policy = lifecycle.resolveGcPolicy({ olderThanMs: opts.olderThan, retentionDays: ctx.config.retentionDays, provider: opts.provider, onlyFailed: opts.status === 'failed', orphans: opts.orphans === true });
  const plan = await makePlan(ctx, policy, now);
  const backend = await gcBackend(ctx);
  // The operator's view (no user id) totals every user's live bytes.
  const usedBytes = (await backend.catalog.usage(backend.userId ?? '')).usedBytes;
  try {
    lifecycle.checkDeleteLimit(plan, opts.maxDelete);
  } catch (error) {
    report(ctx, plan, undefined, usedBytes, policy);
    throw error;
  }
  if (opts.dryRun) {
    report(ctx, plan, undefined, usedBytes, policy);
    return plan.errors.length > 0 ? EXIT.failure : EXIT.ok;
  }
  if (plan.delete.length > 0 && !opts.yes && !(await confirm(ctx, plan))) {
    ctx.output.info('nothing deleted');
    return EXIT.failure;
  }
  const outcome = await apply(ctx, plan, policy);
  report(ctx, plan, outcome, usedBytes, policy);
  return exitCodeForBatch(outcome.deleted.length, outcome.errors.map((e) => e.error));
}

async function makePlan(ctx: Context, policy: GcPolicy, now: number): Promise<GcPlan> {
  const { gatherGcInputs, planGc } = await import('../../core/lifecycle/index.js');
  const spinner = await startPlanningSpinner(ctx.output, 'planning gc: reading the catalog and provider file lists…');
  try {
    const { catalog, userId, partialView } = await gcBackend(ctx);
    const deps = { catalog, registry: await ctx.providers(), userId, partialView, signal: ctx.signal };
    return planGc(await gatherGcInputs(deps, policy, now));
  } finally {
    spinner.stop();
  }
}

/**
 * Whose rows gc covers, and through what. Embedded: this user's, and it sees every row.
 * Shared (Supabase) with SUPABASE_SERVICE_ROLE_KEY: the operator catalog (exai_admin_*) sees
 * every user's rows. Shared with a user session: RLS shows that user's rows only, and other
 * users' files share the provider account, so no provider file is called an orphan.
 */
interface GcBackend {
  catalog: Catalog;
  archive: Archive | undefined;
  userId: string | undefined;
  partialView: boolean;
}

const backends = new WeakMap<Context, Promise<GcBackend>>();

function gcBackend(ctx: Context): Promise<GcBackend> {
  let backend = backends.get(ctx);
  if (backend === undefined) {
    backend = openGcBackend(ctx);
    backends.set(ctx, backend);
  }
  return backend;
}

async function openGcBackend(ctx: Context): Promise<GcBackend> {
  if (!ctx.shared) return { catalog: await ctx.catalog(), archive: undefined, userId: ctx.userId, partialView: false };
  if (ctx.config.supabaseServiceRoleKey !== undefined && ctx.config.supabaseServiceRoleKey !== '') {
    const { openOperatorClient } = await import('../../auth/operator.js');
    const { SupabaseAdminCatalog } = await import('../../catalog/supabase-admin.js');
    const { createOperatorArchive } = await import('../../catalog/supabase-archive.js');
    const client = openOperatorClient(ctx.config);
    return { catalog: new SupabaseAdminCatalog(client), archive: createOperatorArchive(client), userId: undefined, partialView: false };
  }
  return { catalog: await ctx.catalog(), archive: await ctx.archive(), userId: ctx.userId, partialView: true };
}

async function apply(ctx: Context, plan: GcPlan, policy: GcPolicy): Promise<GcOutcome> {
  const { applyGcPlan } = await import('../../core/lifecycle/index.js');
  const { createProgressLine } = await import('../progress.js');
  const progress = createProgressLine(ctx.output, { unit: 'files', verb: 'deleting' });
  try {
    const { catalog, archive, userId } = await gcBackend(ctx);
    const deps = { config: ctx.config, catalog, registry: await ctx.providers(), archive, clock: ctx.clock, userId, signal: ctx.signal, metrics: ctx.metrics };
    return await applyGcPlan(plan, policy, { ...deps, onProgress: (done, total) => progress.update(done, total) });
  } finally {
    progress.stop();
  }
}

async function confirm(ctx: Context, plan: GcPlan): Promise<boolean> {
  const noun = plan.delete.length === 1 ? 'file' : 'files';
  if (!ctx.output.streams.stdinIsTTY || !ctx.output.streams.stderrIsTTY) {
    throw new ExaiError('CONFIRMATION_REQUIRED', `refusing to delete ${plan.delete.length} ${noun} without confirmation`, {
      hint: 'pass --yes to delete without asking (or --dry-run to see what would go)',
    });
  }
  for (const c of plan.delete) ctx.output.info(`  ${describeCandidate(c)}`);
  return ctx.confirm(`Delete ${plan.delete.length} ${noun} (${formatBytes(plan.bytesFreed)})?`);
}

function report(ctx: Context, plan: GcPlan, outcome: GcOutcome | undefined, usedBytes: number, policy: GcPolicy): void {
  if (ctx.output.json) {
    const deleted = outcome?.deleted ?? plan.delete;
    const keep = plan.keepCount + (outcome?.skipped.length ?? 0);
    writeGcJson(ctx.output, deleted, keep, outcome?.bytesFreed ?? plan.bytesFreed, plan, outcome?.errors ?? plan.errors);
  } else printGcReport(ctx.output, plan, { outcome, usedBytes, orphansActed: policy.orphans });
}
