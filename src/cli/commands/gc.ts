/** `exai gc`: delete what retention and orphan rules say should go, safely and on a schedule. */
import type { GcOptions as GcRequestOptions, GcPlanned } from '../../core/ops/gc.js';
import { EXIT, ExaiError, exitCodeForBatch } from '../../core/errors.js';
import type { GcOutcome, GcPlan, GcPolicy, GcSchedule } from '../../core/lifecycle/index.js';
import { formatBytes, formatDuration, parseDuration } from '../../core/units.js';
import type { GcLockHandle } from '../../core/ops/gc-lock.js';
import type { Context } from '../context.js';
import type { Spinner } from '../spinner.js';
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
  /** Commander's --no-wait: false when given. */
  wait?: boolean;
}

export const gcSpec: CommandSpec<GcOptions> = {
  name: 'gc',
  summary: 'delete files past retention, failed uploads and (with --orphans) orphans',
  help: 'Plan first, then delete: files older than retentionDays (or --older-than) at the provider and in the catalog, failed uploads from the catalog, and with --orphans provider files no row references (never younger than 1h) and rows whose provider file is gone.\nAsks on a terminal; needs --yes otherwise. --dry-run changes nothing anywhere.\nOne gc at a time per catalog (with SUPABASE_URL, across machines: the lock is in the database): a second waits for the gc lock (up to lockTimeout) or with --no-wait exits 7 naming the holder; a dry run takes no lock.\n\nExamples:\n  exai gc --dry-run\n  exai gc --older-than 7d --provider kimi --max-delete 100 --yes\n  exai gc --if-due --yes   # from cron every few minutes',
  options: [
    { flags: '-n, --dry-run', description: 'print what would be deleted, with reason, age and size; change nothing' },
    { flags: '--older-than <age>', description: 'retention for this run (30d, 12h); default retentionDays', parse: parseOlderThan },
    { flags: '--provider <name>', description: 'only this provider', choices: ['kimi', 'glm', 'local'] },
    { flags: '--status <status>', description: 'only purge failed uploads', choices: ['failed'] },
    { flags: '--max-delete <n>', description: 'refuse (delete nothing, exit 2) when the plan deletes more than n', parse: parseMaxDelete },
    { flags: '--orphans', description: 'delete orphans too (they are always listed)' },
    { flags: '-y, --yes', description: 'do not ask for confirmation' },
    { flags: '--no-wait', description: 'when another gc holds the gc lock, fail at once (exit 7, naming it) instead of waiting up to lockTimeout' },
    { flags: '--if-due', description: 'skip (exit 0, saying when gc is next due; --json: {"skipped": true, …}) unless the last gc is older than gcInterval (24h)' },
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
  const gc = await import('../../core/ops/gc.js');
  if (opts.ifDue) {
    const schedule = await gc.readGcSchedule(ctx);
    if (!schedule.due) return reportSkipped(ctx, schedule, gc.gcSkippedJson(schedule));
  }
  // A dry run changes nothing, so it needs no lock and never waits for one.
  const lock = opts.dryRun ? undefined : await takeGcLock(ctx, opts.wait !== false);
  try {
    if (lock !== undefined && opts.ifDue) {
      // Two cron runs started together: the one that waited finds the other just ran.
      const schedule = await gc.readGcSchedule(ctx);
      if (!schedule.due) return reportSkipped(ctx, schedule, gc.gcSkippedJson(schedule));
    }
    return await planAndApply(opts, ctx);
  } finally {
    await lock?.release();
  }
}

async function takeGcLock(ctx: Context, wait: boolean): Promise<GcLockHandle> {
  const { acquireGcLock } = await import('../../core/ops/gc-lock.js');
  const { startSpinner } = await import('../spinner.js');
  let spinner: Spinner | undefined;
  try {
    return await acquireGcLock(ctx, {
      wait,
      onWait: (holder) => {
        spinner ??= startSpinner(ctx.output, `waiting for another gc to finish (pid ${holder.pid} on ${holder.hostname}, since ${holder.started})…`);
      },
    });
  } finally {
    spinner?.stop();
  }
}

async function planAndApply(opts: GcOptions, ctx: Context): Promise<number> {
  const gc = await import('../../core/ops/gc.js');
  const planned = await makePlan(ctx, { olderThanMs: opts.olderThan, provider: opts.provider, onlyFailed: opts.status === 'failed', orphans: opts.orphans === true });
  const { plan, policy, usedBytes } = planned;
  try {
    const { checkDeleteLimit } = await import('../../core/lifecycle/index.js');
    checkDeleteLimit(plan, opts.maxDelete);
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
  const { createProgressLine } = await import('../progress.js');
  const progress = createProgressLine(ctx.output, { unit: 'files', verb: 'deleting' });
  const outcome = await gc.applyGarbage(ctx, planned, (done, total) => progress.update(done, total)).finally(() => progress.stop());
  report(ctx, plan, outcome, usedBytes, policy);
  return exitCodeForBatch(outcome.deleted.length, outcome.errors.map((e) => e.error));
}

function reportSkipped(ctx: Context, schedule: GcSchedule, json: Record<string, unknown>): number {
  if (ctx.output.json) ctx.output.jsonDocument(json);
  else {
    const when = (ms: number | undefined) => (ms === undefined ? 'never' : new Date(ms).toISOString());
    ctx.output.info(`gc is not due: it last finished ${when(schedule.lastRunAt)} and gcInterval is ${formatDuration(schedule.intervalMs)}; next due ${when(schedule.nextDueAt)}`);
  }
  return EXIT.ok;
}

async function makePlan(ctx: Context, request: GcRequestOptions): Promise<GcPlanned> {
  const { planGarbage } = await import('../../core/ops/gc.js');
  const spinner = await startPlanningSpinner(ctx.output, 'planning gc: reading the catalog and provider file lists…');
  try {
    return await planGarbage(ctx, request);
  } finally {
    spinner.stop();
  }
}

async function confirm(ctx: Context, plan: GcPlan): Promise<boolean> {
  const noun = plan.delete.length === 1 ? 'file' : 'files';
  if (!ctx.output.streams.stdinIsTTY || !ctx.output.streams.stderrIsTTY) {
    throw new ExaiError('CONFIRMATION_REQUIRED', `refusing to delete ${plan.delete.length} ${noun} without confirmation`, {
      hint: 'pass --yes to delete without asking (or --dry-run to see what would go)',
    });
  }
  for (const c of plan.delete) ctx.output.info(`  ${describeCandidate(c, ctx.cwd)}`);
  return ctx.confirm(`Delete ${plan.delete.length} ${noun} (${formatBytes(plan.bytesFreed)})?`);
}

function report(ctx: Context, plan: GcPlan, outcome: GcOutcome | undefined, usedBytes: number, policy: GcPolicy): void {
  if (ctx.output.json) {
    const deleted = outcome?.deleted ?? plan.delete;
    const keep = plan.keepCount + (outcome?.skipped.length ?? 0);
    writeGcJson(ctx.output, deleted, keep, outcome?.bytesFreed ?? plan.bytesFreed, plan, outcome?.errors ?? plan.errors);
  } else printGcReport(ctx.output, plan, { outcome, usedBytes, orphansActed: policy.orphans, cwd: ctx.cwd });
}
