/**
 * The one deletion path (DESIGN.md §5): rm, gc and every front end delete a catalog row
 * through removeFile(). Under the content lock — the one an upload of the same content
 * takes — it re-reads the row, deletes the provider file (a 404 counts as gone), then
 * soft-deletes the row with its reason, which gives the quota back.
 */
import { describeRecord } from '../../catalog/describe.js';
import type { Catalog, DeletionReason, FileRecord } from '../../catalog/types.js';
import type { Archive } from '../archive.js';
import type { ProviderRegistry } from '../../providers/registry.js';
import type { Config } from '../config/types.js';
import { ExaiError } from '../errors.js';
import { acquireLock, type LockClock, type LockHandle, type LockOwner } from '../lock/index.js';
import type { RetryClock, RetryInfo } from '../resilience.js';

/** What removeFile uses from outside: injected, so every front end passes its own. */
export interface RemoveDeps {
  config: Pick<Config, 'retry' | 'leaseMs' | 'lockTimeoutMs' | 'dirs'>;
  catalog: Catalog;
  registry: ProviderRegistry;
  /** Shared backend: the archive whose copy goes with the row. */
  archive?: Archive | undefined;
  clock: RetryClock & LockClock;
  userId: string;
  signal?: AbortSignal | undefined;
  onRetry?: ((record: FileRecord, info: RetryInfo) => void) | undefined;
  onLockWait?: ((record: FileRecord, holder: LockOwner) => void) | undefined;
}

export interface RemoveOptions {
  reason: DeletionReason;
  /** Run every check, stop before the first change (no lock taken, nothing deleted). */
  dryRun: boolean;
  /** Who holds the lock, as `exai unlock` shows it (default "rm"). */
  command?: string | undefined;
}

/** What happened to one row. */
export interface RemoveOutcome {
  record: FileRecord;
  /** The provider no longer had the file (404), or the row never got a provider file. */
  alreadyGone: boolean;
  /** Bytes of quota given back (0 for a failed row, which held none). */
  bytesFreed: number;
  dryRun: boolean;
}

/** Delete one row's provider file and soft-delete the row, under its content lock. */
export async function removeFile(record: FileRecord, opts: RemoveOptions, deps: RemoveDeps): Promise<RemoveOutcome> {
  assertNotUploading(record, deps.clock.now());
  if (record.providerFileId !== null) await assertDeletable(record, deps);
  if (opts.dryRun) return { record, alreadyGone: false, bytesFreed: heldBytes(record), dryRun: true };
  const lock = await lockRow(record, deps, opts.command ?? 'rm');
  try {
    const current = await reread(record, deps);
    if (current === undefined) return { record, alreadyGone: true, bytesFreed: 0, dryRun: false };
    assertNotUploading(current, deps.clock.now());
    await lock?.assertHeld();
    const alreadyGone = await deleteRemote(current, deps);
    await lock?.assertHeld();
    const deleted = await deps.catalog.markDeleted(current.id, opts.reason, deps.clock.now());
    await removeArchiveCopy(current, deps);
    return { record: deleted, alreadyGone, bytesFreed: heldBytes(current), dryRun: false };
  } finally {
    await lock?.release();
  }
}

/** Bytes a row holds against the quota: uploading and active rows do, failed ones don't. */
export function heldBytes(record: FileRecord): number {
  return record.status === 'active' || record.status === 'uploading' ? record.sizeBytes : 0;
}

function assertNotUploading(record: FileRecord, now: number): void {
  if (record.status !== 'uploading' || (record.leaseExpiresAt ?? 0) <= now) return;
  throw new ExaiError('CATALOG_ERROR', `${record.originalName} (${record.sha256.slice(0, 12)}) is still being uploaded`, {
    hint: 'wait for that upload to finish, then run the deletion again',
  });
}

async function assertDeletable(record: FileRecord, deps: RemoveDeps): Promise<void> {
  if (deps.registry.get(record.provider).isConfigured()) return;
  const { KEY_ENV } = await import('../../providers/registry.js');
  throw new ExaiError('AUTH_REQUIRED', `cannot delete ${record.providerFileId} at ${record.provider}: no API key`, {
    hint: `set ${KEY_ENV[record.provider]} and try again (the catalog row was kept)`,
  });
}

/**
 * The lock an upload of this content takes (key = the content hash), so a deletion never
 * interleaves with an upload that would reuse the same stored bytes. A row whose hash is
 * still pending never got a provider file, and no upload can want its content by hash.
 */
async function lockRow(record: FileRecord, deps: RemoveDeps, command: string): Promise<LockHandle | undefined> {
  if (!/^[0-9a-f]{64}$/.test(record.sha256)) return undefined;
  return acquireLock({
    dir: deps.config.dirs.state,
    key: record.sha256,
    timeoutMs: deps.config.lockTimeoutMs,
    leaseMs: deps.config.leaseMs,
    owner: { command },
    clock: deps.clock,
    onWait: (holder) => deps.onLockWait?.(record, holder),
  });
}

/** The row as it is now that we hold the lock; undefined when someone else deleted it. */
async function reread(record: FileRecord, deps: RemoveDeps): Promise<FileRecord | undefined> {
  const rows = await deps.catalog.findByRef(deps.userId, record.id);
  return rows.find((r) => r.id === record.id && r.status !== 'deleted');
}

/**
 * The archive object is keyed by content, so rows of one content at two providers share it:
 * it goes only with the last live row that names it.
 */
async function removeArchiveCopy(record: FileRecord, deps: RemoveDeps): Promise<void> {
  const storagePath = record.storagePath;
  if (!deps.archive || storagePath === null) return;
  const others = await deps.catalog.findByRef(deps.userId, record.sha256);
  if (others.some((r) => r.id !== record.id && r.storagePath === storagePath && (r.status === 'active' || r.status === 'uploading'))) return;
  await deps.archive.remove(storagePath);
}

async function deleteRemote(record: FileRecord, deps: RemoveDeps): Promise<boolean> {
  const fileId = record.providerFileId;
  if (fileId === null) return true;
  const provider = deps.registry.get(record.provider);
  const { withRetry } = await import('../resilience.js');
  const result = await withRetry((_attempt, signal) => provider.delete(fileId, signal), {
    retry: deps.config.retry,
    clock: deps.clock,
    signal: deps.signal,
    onRetry: (info) => deps.onRetry?.(record, info),
  });
  return result.alreadyGone;
}

export { describeRecord };
