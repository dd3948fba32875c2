/** Delete files by ref for every front end, through the one deletion path (core/remove). */
import type { Catalog, FileRecord } from '../../catalog/types.js';
import type { ExaiError } from '../errors.js';
import { isExaiError } from '../errors.js';
import type { RemovalTarget, RemoveDeps } from '../remove/index.js';
import type { Runtime } from '../runtime.js';
import type { RemoveRow } from './results.js';

export interface RemoveFilesOptions {
  dryRun?: boolean | undefined;
  /** Asked once with every row before anything is deleted; false → nothing is deleted. */
  confirm?: ((targets: readonly RemovalTarget[]) => Promise<boolean>) | undefined;
  onRetry?: RemoveDeps['onRetry'];
  onLockWait?: RemoveDeps['onLockWait'];
  /** Called after each ref is settled, in order. */
  onResult?: ((row: RemoveRow, record: FileRecord | undefined, error: ExaiError | undefined) => void) | undefined;
}

export interface RemoveFilesResult {
  /** One row per ref (or per row a ref named), in the order the refs were given. */
  rows: RemoveRow[];
  failures: ExaiError[];
  /** Quota given back (or that would be, in a dry run). */
  bytesFreed: number;
  /** False when the confirmation was declined: nothing was deleted. */
  confirmed: boolean;
}

/** Resolve refs, confirm, delete each row; a failure does not stop the others. */
export async function removeFiles(rt: Runtime, refs: readonly string[], opts: RemoveFilesOptions = {}): Promise<RemoveFilesResult> {
  const { resolveTargets, removeFile } = await import('../remove/index.js');
  const catalog = await rt.catalog();
  const dryRun = opts.dryRun === true;
  const { targets, unresolved } = await resolveTargets(refs, { catalog, config: rt.config, userId: rt.userId, cwd: rt.cwd });
  const result: RemoveFilesResult = { rows: [], failures: [], bytesFreed: 0, confirmed: true };
  const settle = (row: RemoveRow, record?: FileRecord, error?: ExaiError) => {
    result.rows.push(row);
    if (error) result.failures.push(error);
    opts.onResult?.(row, record, error);
  };
  for (const u of unresolved) settle({ ...baseRow(u.ref, undefined, dryRun), error: u.error.toJSON() }, undefined, u.error);
  if (targets.length > 0 && !dryRun && opts.confirm && !(await opts.confirm(targets))) return { ...result, confirmed: false };
  const deps = await removeDeps(rt, catalog, opts);
  for (const target of targets) {
    try {
      const outcome = await removeFile(target.record, { reason: 'user', dryRun }, deps);
      result.bytesFreed += outcome.bytesFreed;
      settle({ ...baseRow(target.ref, target.record, dryRun), deleted: !dryRun, already_gone: outcome.alreadyGone && !dryRun }, target.record);
    } catch (error) {
      if (!isExaiError(error)) throw error;
      settle({ ...baseRow(target.ref, target.record, dryRun), error: error.toJSON() }, target.record, error);
    }
  }
  const order = (r: RemoveRow) => refs.indexOf(r.ref);
  result.rows.sort((a, b) => order(a) - order(b));
  return result;
}

async function removeDeps(rt: Runtime, catalog: Catalog, opts: RemoveFilesOptions): Promise<RemoveDeps> {
  return {
    config: rt.config,
    catalog,
    registry: await rt.providers(),
    archive: await rt.archive(),
    clock: rt.clock,
    userId: rt.userId,
    signal: rt.signal,
    onRetry: opts.onRetry,
    onLockWait: opts.onLockWait,
  };
}

function baseRow(ref: string, record: FileRecord | undefined, dryRun: boolean): RemoveRow {
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
