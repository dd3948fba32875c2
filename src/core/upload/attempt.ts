/**
 * One provider, one file, under the content lock: claim a catalog row (quota reserved in the
 * same transaction), upload with retries while the row's lease is kept alive, then complete
 * the row — or fail it, which gives the reserved bytes back.
 */
import { randomUUID } from 'node:crypto';
import { isPendingSha256, PENDING_SHA256_PREFIX, type ClaimResult, type FileRecord } from '../../catalog/types.js';
import { ExaiError, isExaiError } from '../errors.js';
import type { LockHandle } from '../lock/index.js';
import { countsAgainstBreaker, withRetry } from '../resilience.js';
import type { Provider, RemoteFile } from '../../providers/types.js';
import { createUploadBody } from './body.js';
import { failAbandoned, lockContent } from './content-lock.js';
import { HashNeeded, rememberHash, sizeLockKey } from './hash-later.js';
import type { UploadDeps, ValidatedFile } from './types.js';
import { archiveCopy } from './archive-copy.js';

/** How a provider attempt ended. */
export type AttemptResult = { kind: 'uploaded' | 'deduplicated'; record: FileRecord };

/** Claim, upload and complete `file` at `provider` for `purpose`; throws on failure (row failed). */
export async function attemptProvider(
  file: ValidatedFile,
  provider: Provider,
  purpose: string,
  lock: LockHandle,
  deps: UploadDeps,
): Promise<AttemptResult> {
  const claim = await claimRow(file, provider, purpose, lock, deps);
  if (claim.kind === 'active') return { kind: 'deduplicated', record: claim.record };
  const row = claim.record;
  const stopRenewing = keepLeaseAlive(row.id, deps);
  try {
    const { remote, sha256 } = await uploadWithRetry(file, provider, purpose, deps);
    const storagePath = await archiveCopy(file, sha256, deps);
    lock.assertHeld();
    // A hash learnt on the way replaces the claim's pending one.
    const record = await deps.catalog.complete(row.id, remote.id, deps.clock.now(), { ...(file.sha256 === undefined ? { sha256 } : {}), ...(storagePath ? { storagePath } : {}) });
    if (file.sha256 === undefined) rememberHash(deps.hashCache, file, sha256);
    deps.breaker.recordSuccess(provider.name);
    return { kind: 'uploaded', record };
  } catch (error) {
    if (countsAgainstBreaker(error)) deps.breaker.recordFailure(provider.name);
    await deps.catalog.fail(row.id, messageOf(error), deps.clock.now()).catch(() => undefined);
    throw error;
  } finally {
    stopRenewing();
  }
}

/**
 * Claim the dedup key. A `busy` row while we hold the content lock was left by an upload that
 * lost its lock (it crashed, or its lease ran out): when every writer takes these locks
 * (embedded mode) that row is abandoned, so it is failed and the key claimed again.
 */
async function claimRow(file: ValidatedFile, provider: Provider, purpose: string, lock: LockHandle, deps: UploadDeps): Promise<ClaimResult> {
  // Claimed before the hash is known: a placeholder unique to this claim (catalog/types.ts).
  const sha256 = file.sha256 ?? `${PENDING_SHA256_PREFIX}${randomUUID()}`;
  const input = () => ({
    userId: deps.userId,
    provider: provider.name,
    purpose,
    sha256,
    sizeBytes: file.facts.size,
    mimeType: file.facts.mimeType ?? 'application/octet-stream',
    originalName: file.displayPath,
    leaseMs: deps.config.leaseMs,
    quotaBytes: deps.config.quotaBytes,
    now: deps.clock.now(),
  });
  let first = await deps.catalog.claim(input());
  if (first.kind === 'size-taken') throw new HashNeeded(file);
  if (first.kind !== 'busy') return first;
  if (!deps.locksCoverCatalog) return waitForBusyRow(first.record, input, deps);
  for (let round = 0; first.kind === 'busy' && isPendingSha256(first.record.sha256); round++) {
    if (round === MAX_PENDING_WAITS) throw busyError(file, first.record);
    await waitForPendingClaim(first.record, file, deps);
    first = await deps.catalog.claim(input());
  }
  if (first.kind !== 'busy') return first;
  await failAbandoned(first.record.id, file, lock, deps);
  const again = await deps.catalog.claim(input());
  if (again.kind === 'busy') throw busyError(file, again.record);
  return again;
}

/** How many pending same-size claims in a row a claim waits out before giving up. */
const MAX_PENDING_WAITS = 8;

/**
 * A pending claim of our size may be our content: wait until its upload is over by taking
 * its size lock (held for the whole upload; taken over if its process died), then fail the
 * row if it is still uploading — its upload no longer holds the lock.
 */
async function waitForPendingClaim(row: FileRecord, file: ValidatedFile, deps: UploadDeps): Promise<void> {
  const sizeLock = await lockContent(sizeLockKey(row.sizeBytes), file, deps);
  try {
    const stillThere = (await deps.catalog.liveOfSize(deps.userId, row.sizeBytes)).some((r) => r.id === row.id && r.status === 'uploading');
    if (stillThere) await failAbandoned(row.id, file, sizeLock, deps);
  } finally {
    await sizeLock.release();
  }
}

/** Shared backend: another machine holds the claim; wait for it to finish or its lease to lapse. */
async function waitForBusyRow(
  busy: FileRecord,
  input: () => Parameters<UploadDeps['catalog']['claim']>[0],
  deps: UploadDeps,
): Promise<ClaimResult> {
  const deadline = deps.clock.now() + deps.config.lockTimeoutMs;
  let current = busy;
  while (deps.clock.now() < deadline) {
    const wait = Math.min(1_000, Math.max(50, (current.leaseExpiresAt ?? 0) - deps.clock.now()));
    await deps.clock.sleep(wait, deps.signal);
    const result = await deps.catalog.claim(input());
    if (result.kind !== 'busy') return result;
    current = result.record;
  }
  throw busyError(undefined, current);
}

function busyError(file: ValidatedFile | undefined, row: FileRecord): ExaiError {
  return new ExaiError('LOCK_TIMEOUT', `${file?.displayPath ?? row.originalName}: another upload of this content (row ${row.id}) is still in progress`, {
    path: file?.displayPath,
    hint: 'wait for it to finish, or run `exai unlock` if it crashed',
  });
}

/** Upload with retries; the hash is the validated one, or the one read on the way. */
async function uploadWithRetry(file: ValidatedFile, provider: Provider, purpose: string, deps: UploadDeps): Promise<{ remote: RemoteFile; sha256: string }> {
  const body = createUploadBody(file, deps.policy);
  const remote = await withRetry(
    () =>
      provider.upload({
        body,
        purpose,
        sha256: file.sha256,
        signal: deps.signal,
        onProgress: (sent) => deps.events?.onProgress?.(file, sent),
      }),
    {
      retry: deps.config.retry,
      clock: deps.clock,
      signal: deps.signal,
      onRetry: (info) => deps.events?.onRetry?.(file, provider.name, info),
    },
  );
  const sha256 = body.completedSha256();
  // A provider that answered before reading the whole file cannot have stored it whole.
  if (sha256 === undefined) throw new ExaiError('PROVIDER_BAD_RESPONSE', `${provider.name} accepted ${file.displayPath} before all of it was sent`, { path: file.displayPath });
  return { remote, sha256 };
}

/** Renew the row's lease every third of it while the upload runs; returns the stopper. */
function keepLeaseAlive(rowId: string, deps: UploadDeps): () => void {
  const every = Math.max(1_000, Math.floor(deps.config.leaseMs / 3));
  const timer = setInterval(() => {
    void deps.catalog.renewLease(rowId, deps.config.leaseMs, deps.clock.now()).catch(() => undefined);
  }, every);
  timer.unref();
  return () => clearInterval(timer);
}

function messageOf(error: unknown): string {
  if (isExaiError(error)) return `${error.name}: ${error.message}`;
  return error instanceof Error ? error.message : String(error);
}
