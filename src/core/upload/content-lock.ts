/** The one way upload takes a content lock: configured timeout and lease, waits announced. */
import { acquireLock, type LockHandle } from '../lock.js';
import type { UploadDeps, ValidatedFile } from './types.js';

/** Lock `key` (a hash, or `size-N`) on behalf of `file`; LOCK_TIMEOUT names the holder. */
export function lockContent(key: string, file: ValidatedFile, deps: UploadDeps): Promise<LockHandle> {
  return acquireLock({
    dir: deps.config.dirs.state,
    key,
    timeoutMs: deps.config.lockTimeoutMs,
    leaseMs: deps.config.leaseMs,
    owner: { command: 'upload' },
    clock: deps.clock,
    onWait: (holder) => deps.events?.onLockWait?.(file, holder),
  });
}
