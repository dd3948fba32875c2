/** `exai rm <file_id | sha256 prefix | path>…`: delete at the provider, soft-delete the row, give the quota back. */
import type { FileRecord } from '../../catalog/types.js';
import { EXIT, ExaiError, exitCodeForBatch, messageLines } from '../../core/errors.js';
import type { RemoveRow } from '../../core/ops/results.js';
import { formatBytes } from '../../core/units.js';
import type { RemovalTarget } from '../../core/remove/index.js';
import type { Context } from '../context.js';
import { describeRecord as describeStored, displayName } from '../format-record.js';
import type { BaseOptions, CommandSpec } from '../spec.js';
import type { Spinner } from '../spinner.js';

export interface RmOptions extends BaseOptions {
  yes?: boolean;
  dryRun?: boolean;
}

/** One line of `exai rm --json`. */
export type RmResult = RemoveRow;

export const rmSpec: CommandSpec<RmOptions> = {
  name: 'rm',
  args: '<refs...>',
  summary: 'delete uploaded files at the provider and in the catalog',
  help: 'Delete files by provider file id, sha256 prefix (6+ hex digits) or local path (matched by the content of the file there first, then by the path it was uploaded from).\n\nAsks on a terminal (Ctrl-C/Ctrl-D cancels: exit 130; no: exit 1); needs --yes otherwise.',
  examples: ['exai rm cabc123def --yes', 'exai rm report.pdf --dry-run', 'exai rm 3f2a9c --json --yes'],
  options: [
    { flags: '-y, --yes', description: 'do not ask for confirmation' },
    { flags: '-n, --dry-run', description: 'show what would be deleted; change nothing' },
  ],
  load: async () => ({ run: runRm }),
};

/** Resolve, confirm, delete each file; continue past failures; exit 0, 8 (partial) or the common failure code. */
export async function runRm(opts: RmOptions, ctx: Context): Promise<number> {
  const { removeFiles } = await import('../../core/ops/remove-files.js');
  const { startSpinner } = await import('../spinner.js');
  const dryRun = opts.dryRun === true;
  const waits = new Map<string, Spinner>();
  const result = await removeFiles(ctx, opts.args, {
    dryRun,
    confirm: opts.yes === true ? undefined : (targets) => confirmDeletion(ctx, targets),
    onRetry: (record, info) => ctx.output.info(`retrying delete of ${record.providerFileId} in ${Math.ceil(info.delayMs / 1000)}s`),
    // Called every wait round: one spinner per row, stopped when its removal ends.
    onLockWait: (record) => {
      if (!waits.has(record.id)) waits.set(record.id, startSpinner(ctx.output, `waiting for an upload of ${displayName(record.originalName, ctx.cwd)} to finish`));
    },
    onResult: (row, record, error) => {
      if (record) waits.get(record.id)?.stop();
      if (error) reportFailure(ctx, row.ref, error);
      else if (record) reportSuccess(ctx, record, dryRun, row.already_gone);
    },
  });
  if (!result.confirmed) {
    ctx.output.info('nothing deleted');
    return EXIT.failure;
  }
  const done = result.rows.length - result.failures.length;
  if (ctx.output.json) ctx.output.jsonDocument(result.rows);
  else summarize(ctx, done, result.failures.length, result.bytesFreed, dryRun);
  return exitCodeForBatch(done, result.failures);
}

/** A row as people in the current directory should see it (stored names are absolute). */
function describeFor(ctx: Context, record: FileRecord): string {
  return describeStored({ ...record, originalName: displayName(record.originalName, ctx.cwd) });
}

async function confirmDeletion(ctx: Context, targets: readonly RemovalTarget[]): Promise<boolean> {
  const { heldBytes } = await import('../../core/remove/index.js');
  const bytes = targets.reduce((sum, t) => sum + heldBytes(t.record), 0);
  const noun = targets.length === 1 ? 'file' : 'files';
  if (!ctx.output.streams.stdinIsTTY || !ctx.output.streams.stderrIsTTY) {
    throw new ExaiError('CONFIRMATION_REQUIRED', `refusing to delete ${targets.length} ${noun} without confirmation`, {
      hint: 'pass --yes to delete without asking (or --dry-run to see what would go)',
    });
  }
  for (const t of targets) ctx.output.info(`  ${describeFor(ctx, t.record)}`);
  return ctx.confirm(`Delete ${targets.length} ${noun} (${formatBytes(bytes)})?`);
}

function reportSuccess(ctx: Context, record: FileRecord, dryRun: boolean, alreadyGone: boolean): void {
  if (ctx.output.json) return;
  const gone = alreadyGone ? ' — already gone at provider' : '';
  const text = `${dryRun ? 'would delete' : 'deleted'} ${describeFor(ctx, record)}${gone}`;
  // A dry run's list is the data it exists to print; a done deletion is a success line.
  if (dryRun) ctx.output.line(text);
  else ctx.output.success(text);
}

function reportFailure(ctx: Context, ref: string, error: ExaiError): void {
  if (ctx.output.json) return;
  const [first, ...more] = messageLines(error);
  ctx.output.error(`${ctx.output.chalk.red('error:')} ${ref}: ${first}`);
  for (const line of more) ctx.output.error(line);
  if (error.hint) ctx.output.error(`${ctx.output.chalk.dim('hint:')} ${error.hint}`);
}

function summarize(ctx: Context, done: number, failed: number, freed: number, dryRun: boolean): void {
  const noun = done === 1 ? 'file' : 'files';
  let head = `${done} ${noun} deleted, ${formatBytes(freed)} of quota given back`;
  if (dryRun) head = `would delete ${done} ${noun} (${formatBytes(freed)}); nothing changed`;
  else if (done === 0) head = 'nothing deleted';
  ctx.output.info(failed > 0 ? `${head}, ${failed} failed` : head);
}
