/**
 * The one way upload takes a content lock (configured timeout and lease, waits announced),
 * and what holding one allows: failing an `uploading` row the lock covers, whose upload
 * can't be running because we hold the lock it would need — fenced by generation.
 */
import type { FileRecord } from '../../catalog/types.js';
import { ExaiError, isExaiError } from '../errors.js';
import { acquireLock, type LockHandle } from '../lock/index.js';
import type { UploadDeps, ValidatedFile } from './types.js';

/** Lock `key` (a hash, or `size-N`) on behalf of `file`; LOCK_TIMEOUT names the holder. */
export async function lockContent(key: string, file: ValidatedFile, deps: UploadDeps): Promise<LockHandle> {
  const handle = await acquireLock({
    dir: deps.config.dirs.state,
    key,
    timeoutMs: deps.config.lockTimeoutMs,
    leaseMs: deps.config.leaseMs,
    owner: { command: 'upload' },
    clock: deps.clock,
    onWait: (holder) => deps.events?.onLockWait?.(file, holder),
  });
  deps.metrics?.observe('lockWait', {}, handle.waitedMs / 1000);
  return handle;
}

/**
 * Fail a claim abandoned by an upload that lost `lock` (crash, lease ran out); reported as
 * reconciled. Fenced twice: a row claimed under a generation not older than ours belongs to
 * a holder that took the lock after us — we are the stale one (we stalled past our lease),
 * so LOCK_LOST; and the update itself is a compare-and-set on the row's own generation.
 */
export async function failAbandoned(row: FileRecord, file: ValidatedFile, lock: LockHandle, deps: UploadDeps): Promise<void> {
  if (row.lockGeneration !== null && row.lockGeneration >= lock.generation) throw newerHolder(row, lock);
  await lock.assertHeld();
  try {
    await deps.catalog.fail(row.id, 'abandoned: its upload no longer held the lock', deps.clock.now(), row.lockGeneration ?? undefined);
  } catch (error) {
    // It finished or failed meanwhile: nothing is left to fail.
    if (isExaiError(error) && error.name === 'LOCK_LOST') return;
    throw error;
  }
  deps.events?.onReconciled?.(file, row.id);
}

function newerHolder(row: FileRecord, lock: LockHandle): ExaiError {
  return new ExaiError('LOCK_LOST', `lost the lock on ${lock.key.slice(0, 12)}: claim ${row.id} was made by a later holder`, {
    hint: 'this process stalled past its lease and another run took the content over; run the command again',
    details: { row_generation: row.lockGeneration, our_generation: lock.generation },
  });
}
