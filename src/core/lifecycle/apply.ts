/**
 * Applying a gc plan. Every step is idempotent, so a run killed at any point (kill -9) leaves
 * nothing the next run can't finish: a provider file deleted before its row was marked is a
 * 404 next time (counted as gone), a lock left behind is stale (its pid is dead) and taken
 * over, and the last-run time is recorded only at the very end.
 */
import type { Catalog, FileRecord, RowSummary } from '../../catalog/types.js';
import type { ProviderRegistry } from '../../providers/registry.js';
import type { Config } from '../config/types.js';
import { isExaiError, type ExaiError } from '../errors.js';
import type { LockClock } from '../lock/index.js';
import type { MetricsSink } from '../metrics/recorder.js';
import type { RetryClock } from '../resilience.js';
import type { GcCandidate, GcError, GcPlan, GcPolicy } from './types.js';
import type { Archive } from '../archive.js';

/** What applying needs from outside. */
export interface ApplyDeps {
  config: Pick<Config, 'retry' | 'leaseMs' | 'lockTimeoutMs' | 'dirs'>;
  catalog: Catalog;
  registry: ProviderRegistry;
  clock: RetryClock & LockClock;
  /** One user's rows; undefined for every user's (service role). */
  userId: string | undefined;
  signal?: AbortSignal | undefined;
  /** Called after each deletion (done, total), for a count on a TTY. */
  onProgress?: ((done: number, total: number) => void) | undefined;
  /** Counts deletions and bytes freed, and stamps the last run. */
  metrics?: MetricsSink | undefined;
  /** Shared backend: archive copies go with their rows (the one deletion path removes them). */
  archive?: Archive | undefined;
}

/** What a gc run did. */
export interface GcOutcome {
  deleted: GcCandidate[];
  /** Left alone this time: an upload holds the content lock, or a row became busy. */
  skipped: Array<{ candidate: GcCandidate; why: string }>;
  errors: GcError[];
  reconciled: FileRecord[];
  locksRemoved: number;
  bytesFreed: number;
  quotaFreed: number;
}

/** Reconcile expired leases, clear stale locks, delete what the plan says, purge old failed rows. */
export async function applyGcPlan(plan: GcPlan, policy: GcPolicy, deps: ApplyDeps): Promise<GcOutcome> {
  const { removeStaleLocks } = await import('../lock/index.js');
  const out: GcOutcome = { deleted: [], skipped: [], errors: [...plan.errors], reconciled: [], locksRemoved: 0, bytesFreed: 0, quotaFreed: 0 };
  out.reconciled = await deps.catalog.reconcileExpired(plan.now);
  out.locksRemoved = (await removeStaleLocks(deps.config.dirs.state, { now: deps.clock.now(), leaseMs: deps.config.leaseMs })).length;
  const work = plan.delete.filter((c) => c.action !== 'purge-failed');
  let done = 0;
  for (const candidate of work) {
    await applyOne(candidate, deps, out);
    deps.onProgress?.((done += 1), work.length);
  }
  const purges = plan.delete.filter((c) => c.action === 'purge-failed');
  if (purges.length > 0) {
    await deps.catalog.purgeFailed(deps.userId, plan.cutoff, policy.provider);
    for (const c of purges) out.deleted.push(c);
  }
  const { recordGcRun } = await import('./last-run.js');
  const finished = deps.clock.now();
  await recordGcRun(deps.config.dirs.state, finished);
  countGc(out, finished, deps.metrics);
  return out;
}

async function applyOne(candidate: GcCandidate, deps: ApplyDeps, out: GcOutcome): Promise<void> {
  try {
    const skip = candidate.record === undefined ? await deleteUnreferenced(candidate, deps) : await deleteRow(candidate, candidate.record, deps);
    if (skip !== undefined) return void out.skipped.push({ candidate, why: skip });
    out.deleted.push(candidate);
    out.bytesFreed += candidate.size;
    if (candidate.record?.status === 'active') out.quotaFreed += candidate.record.sizeBytes;
  } catch (error) {
    if (!isExaiError(error) || error.name === 'INTERRUPTED') throw error;
    out.errors.push({ provider: candidate.provider, id: candidate.record?.id ?? null, fileId: candidate.fileId, error });
  }
}

/**
 * Through the one deletion path, with no lock wait: an upload holding this content's lock
 * may be about to reuse the file (a dedup hit), so gc leaves it for the next run instead.
 */
async function deleteRow(candidate: GcCandidate, summary: RowSummary, deps: ApplyDeps): Promise<string | undefined> {
  const { removeFile } = await import('../remove/index.js');
  // The plan saw a summary; deletion works on the row as it is now, hash included.
  const record = (await deps.catalog.findByRef(summary.userId, summary.id)).find((r) => r.id === summary.id);
  if (record === undefined) return 'it was deleted meanwhile';
  try {
    const config = { ...deps.config, lockTimeoutMs: 0 };
    await removeFile(record, { reason: candidate.reason, dryRun: false, command: 'gc' }, { ...deps, config, userId: record.userId });
    return undefined;
  } catch (error) {
    return busyReason(error);
  }
}

function busyReason(error: unknown): string {
  if (isExaiError(error) && error.name === 'LOCK_TIMEOUT') return 'an upload of the same content holds its lock';
  if (isExaiError(error) && error.name === 'CATALOG_ERROR' && /still being uploaded/.test(error.message)) return 'it is being uploaded again';
  throw error;
}

/** A provider file no row references: checked once more against the catalog, then deleted. */
async function deleteUnreferenced(candidate: GcCandidate, deps: ApplyDeps): Promise<string | undefined> {
  const fileId = candidate.fileId;
  if (fileId === null) return 'no file id';
  if (deps.userId !== undefined && (await deps.catalog.findByRef(deps.userId, fileId)).length > 0) return 'a catalog row references it now';
  const provider = deps.registry.get(candidate.provider);
  const { withRetry } = await import('../resilience.js');
  await withRetry(() => provider.delete(fileId, deps.signal), { retry: deps.config.retry, clock: deps.clock, signal: deps.signal });
  return undefined;
}

/** The error list as --json shows it. */
export function errorsJson(errors: readonly GcError[]): Array<{ id: string | null; provider: string; file_id: string | null; error: ReturnType<ExaiError['toJSON']> }> {
  return errors.map((e) => ({ id: e.id, provider: e.provider, file_id: e.fileId, error: e.error.toJSON() }));
}

function countGc(out: GcOutcome, finished: number, sink: MetricsSink | undefined): void {
  for (const c of out.deleted) sink?.inc('gcDeleted', { reason: c.reason });
  sink?.inc('gcBytesFreed', {}, out.bytesFreed);
  sink?.set('lastGc', Math.floor(finished / 1000));
}
