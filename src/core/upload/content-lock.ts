/**
 * The one way upload takes a content lock (configured timeout and lease, waits announced),
 * and what holding one allows: failing an `uploading` row the lock covers, whose upload
 * can't be running because we hold the lock it would need.
 */
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

/** Fail a claim abandoned by an upload that lost `lock` (crash, lease ran out); reported as reconciled. */
export async function failAbandoned(rowId: string, file: ValidatedFile, lock: LockHandle, deps: UploadDeps): Promise<void> {
  lock.assertHeld();
  await deps.catalog.fail(rowId, 'abandoned: its upload no longer held the lock', deps.clock.now());
  deps.events?.onReconciled?.(file, rowId);
}
