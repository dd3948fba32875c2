/** `exai rm <file_id | sha256 prefix | path>…`: delete at the provider, soft-delete the row, give the quota back. */
import type { Catalog, FileRecord } from '../../catalog/types.js';
import { EXIT, ExaiError, exitCodeForBatch, isExaiError, type ErrorJson } from '../../core/errors.js';
import { formatBytes } from '../../core/units.js';
import type { ProviderRegistry } from '../../providers/registry.js';
import type { Context } from '../context.js';
import { describeRecord } from '../format-record.js';
import type { Resolution } from '../rm-resolve.js';
import type { BaseOptions, CommandSpec } from '../spec.js';

export interface RmOptions extends BaseOptions {
  yes?: boolean;
  dryRun?: boolean;
}

/** One line of `exai rm --json`. */
export interface RmResult {
  ref: string;
  id: string | null;
  provider: string | null;
  file_id: string | null;
  deleted: boolean;
  already_gone: boolean;
  dry_run: boolean;
  error?: ErrorJson;
}

export const rmSpec: CommandSpec<RmOptions> = {
  name: 'rm',
  args: '<refs...>',
  summary: 'delete uploaded files at the provider and in the catalog',
  help: 'Delete files by provider file id, sha256 prefix (6+ hex digits) or local path.\nAsks on a terminal; needs --yes otherwise.\n\nExamples:\n  exai rm cabc123def --yes\n  exai rm report.pdf --dry-run',
  options: [
    { flags: '-y, --yes', description: 'do not ask for confirmation' },
    { flags: '-n, --dry-run', description: 'show what would be deleted; change nothing' },
  ],
  load: async () => ({ run: runRm }),
};

interface Target {
  ref: string;
  record: FileRecord;
}

/** Resolve, confirm, delete each file; continue past failures; exit 0, 8 (partial) or the common failure code. */
export async function runRm(opts: RmOptions, ctx: Context): Promise<number> {
  const { resolveRefs } = await import('../rm-resolve.js');
  const catalog = await ctx.catalog();
  const resolutions = await resolveRefs(opts.args, { catalog, config: ctx.config, userId: ctx.userId, cwd: ctx.cwd });
  const results: RmResult[] = [];
  const failures: ExaiError[] = [];
  const fail = (ref: string, error: ExaiError, record?: FileRecord): void => {
    failures.push(error);
    results.push({ ...baseResult(ref, record, opts.dryRun === true), error: error.toJSON() });
    reportFailure(ctx, ref, error);
  };
  const targets = collectTargets(resolutions, fail);
  if (targets.length > 0 && !opts.dryRun && !opts.yes && !(await confirmDeletion(ctx, targets))) {
    ctx.output.info('nothing deleted');
    return EXIT.failure;
  }
  const registry = targets.length === 0 ? undefined : await ctx.providers();
  let freed = 0;
  for (const target of targets) {
    try {
      const alreadyGone = registry ? await deleteOne(target.record, { ctx, catalog, registry, dryRun: opts.dryRun === true }) : false;
      results.push({ ...baseResult(target.ref, target.record, opts.dryRun === true), deleted: !opts.dryRun, already_gone: alreadyGone });
      freed += target.record.status === 'failed' ? 0 : target.record.sizeBytes;
      reportSuccess(ctx, target.record, opts.dryRun === true, alreadyGone);
    } catch (error) {
      if (!isExaiError(error)) throw error;
      fail(target.ref, error, target.record);
    }
  }
  const done = results.length - failures.length;
  // Report in the order the refs were given, whether a ref failed to resolve or to delete.
  const order = (r: RmResult) => opts.args.indexOf(r.ref);
  if (ctx.output.json) ctx.output.jsonDocument([...results].sort((a, b) => order(a) - order(b)));
  else summarize(ctx, done, failures.length, freed, opts.dryRun === true);
  return exitCodeForBatch(done, failures);
}

// Two refs naming the same row (an id and a path, say) delete it once.
function collectTargets(resolutions: Resolution[], fail: (ref: string, error: ExaiError) => void): Target[] {
  const seen = new Set<string>();
  const targets: Target[] = [];
  for (const r of resolutions) {
    if ('error' in r) {
      fail(r.ref, r.error);
      continue;
    }
    for (const record of r.records) {
      if (seen.has(record.id)) continue;
      seen.add(record.id);
      targets.push({ ref: r.ref, record });
    }
  }
  return targets;
}

function baseResult(ref: string, record: FileRecord | undefined, dryRun: boolean): RmResult {
  return {
    ref,
    id: record?.id ?? null,
    provider: record?.provider ?? null,
    file_id: record?.providerFileId ?? null,
    deleted: false,
    already_gone: false,
    dry_run: dryRun,
  };
}

async function confirmDeletion(ctx: Context, targets: Target[]): Promise<boolean> {
  const bytes = targets.reduce((sum, t) => sum + t.record.sizeBytes, 0);
  const noun = targets.length === 1 ? 'file' : 'files';
  if (!ctx.output.streams.stdinIsTTY || !ctx.output.streams.stderrIsTTY) {
    throw new ExaiError('CONFIRMATION_REQUIRED', `refusing to delete ${targets.length} ${noun} without confirmation`, {
      hint: 'pass --yes to delete without asking (or --dry-run to see what would go)',
    });
  }
  for (const t of targets) ctx.output.info(`  ${describeRecord(t.record)}`);
  return ctx.confirm(`Delete ${targets.length} ${noun} (${formatBytes(bytes)})?`);
}

interface DeleteDeps {
  ctx: Context;
  catalog: Catalog;
  registry: ProviderRegistry;
  /** Run every check, stop before the first remote change. */
  dryRun: boolean;
}

/** Delete at the provider (a 404 there is fine), then soft-delete the row. Returns alreadyGone. */
async function deleteOne(record: FileRecord, deps: DeleteDeps): Promise<boolean> {
  const { ctx } = deps;
  const now = ctx.clock.now();
  if (record.status === 'uploading' && (record.leaseExpiresAt ?? 0) > now) {
    throw new ExaiError('CATALOG_ERROR', `${record.originalName} (${record.sha256.slice(0, 12)}) is still being uploaded`, {
      hint: 'wait for that upload to finish, then run rm again',
    });
  }
  let alreadyGone = false;
  // Failed or interrupted claims never got a provider file id: there is nothing remote to remove.
  if (record.providerFileId !== null) {
    const provider = deps.registry.get(record.provider);
    if (!provider.isConfigured()) {
      const { KEY_ENV } = await import('../../providers/registry.js');
      throw new ExaiError('AUTH_REQUIRED', `cannot delete ${record.providerFileId} at ${record.provider}: no API key`, {
        hint: `set ${KEY_ENV[record.provider]} and run rm again (the catalog row was kept)`,
      });
    }
    if (deps.dryRun) return false;
    const { withRetry } = await import('../../core/resilience.js');
    const fileId = record.providerFileId;
    const result = await withRetry(() => provider.delete(fileId, ctx.signal), {
      retry: ctx.config.retry,
      clock: ctx.clock,
      signal: ctx.signal,
      onRetry: (info) => ctx.output.info(`retrying delete of ${fileId} in ${Math.ceil(info.delayMs / 1000)}s`),
    });
    alreadyGone = result.alreadyGone;
  }
  if (deps.dryRun) return false;
  await deps.catalog.markDeleted(record.id, 'user', ctx.clock.now());
  return alreadyGone;
}

function reportSuccess(ctx: Context, record: FileRecord, dryRun: boolean, alreadyGone: boolean): void {
  if (ctx.output.json) return;
  const gone = alreadyGone ? ' — already gone at provider' : '';
  ctx.output.line(`${dryRun ? 'would delete' : 'deleted'} ${describeRecord(record)}${gone}`);
}

function reportFailure(ctx: Context, ref: string, error: ExaiError): void {
  if (ctx.output.json) return;
  ctx.output.error(`${ctx.output.chalk.red('error:')} ${ref}: ${error.message}`);
  if (error.hint) ctx.output.error(`${ctx.output.chalk.dim('hint:')} ${error.hint}`);
}

function summarize(ctx: Context, done: number, failed: number, freed: number, dryRun: boolean): void {
  const noun = done === 1 ? 'file' : 'files';
  let head = `${done} ${noun} deleted, ${formatBytes(freed)} of quota given back`;
  if (dryRun) head = `would delete ${done} ${noun} (${formatBytes(freed)}); nothing changed`;
  else if (done === 0) head = 'nothing deleted';
  ctx.output.info(failed > 0 ? `${head}, ${failed} failed` : head);
}
