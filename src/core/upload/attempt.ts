/**
 * One provider, one file, under the content lock: claim a catalog row (quota reserved in the
 * same transaction), upload with retries while the row's lease is kept alive, then complete
 * the row — or fail it, which gives the reserved bytes back.
 */
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { isPendingSha256, PENDING_SHA256_PREFIX, type ClaimResult, type FileRecord } from '../../catalog/types.js';
import { ExaiError, isExaiError } from '../errors.js';
import type { LockHandle } from '../lock/index.js';
import { countsAgainstBreaker, transferAllowanceMs, withRetry } from '../resilience.js';
import type { Provider, RemoteFile } from '../../providers/types.js';
import { adoptStoredCopy } from './adopt.js';
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
  if (claim.kind === 'active') {
    countDedupHit(deps, provider.name);
    return { kind: 'deduplicated', record: claim.record };
  }
  const row = claim.record;
  const token = row.lockGeneration ?? undefined;
  const stopRenewing = keepLeaseAlive(row, deps);
  const started = deps.clock.now();
  try {
    const adopted = claim.kind === 'claimed' && claim.abandoned ? await adoptStoredCopy(file, { claimed: row, abandoned: claim.abandoned, provider, purpose }, lock, deps) : undefined;
    if (adopted) return { kind: 'uploaded', record: adopted };
    const { remote, sha256 } = await uploadWithRetry(file, provider, purpose, lock, deps);
    const storagePath = await archiveCopy(file, sha256, deps);
    await lock.assertHeld();
    // A hash learnt on the way replaces the claim's pending one.
    const record = await deps.catalog.complete(row.id, remote.id, deps.clock.now(), {
      ...(file.sha256 === undefined ? { sha256 } : {}),
      ...(storagePath ? { storagePath } : {}),
      lockGeneration: token,
    });
    if (file.sha256 === undefined) rememberHash(deps.hashCache, file, sha256);
    deps.breaker.recordSuccess(provider.name);
    countUpload(deps, provider.name, 'uploaded', record.sizeBytes, deps.clock.now() - started);
    return { kind: 'uploaded', record };
  } catch (error) {
    if (countsAgainstBreaker(error)) deps.breaker.recordFailure(provider.name);
    countUpload(deps, provider.name, 'failed', 0, deps.clock.now() - started);
    // Fenced: a claim that is no longer ours (LOCK_LOST) is left to whoever holds it now.
    await deps.catalog.fail(row.id, messageOf(error), deps.clock.now(), token).catch(() => undefined);
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
    // Absolute, so `ls` and `rm PATH` mean the same file from any directory.
    originalName: path.resolve(deps.policy.cwd, file.displayPath),
    leaseMs: deps.config.leaseMs,
    quotaBytes: deps.config.quotaBytes,
    now: deps.clock.now(),
    lockGeneration: lock.generation,
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
  await failAbandoned(first.record, file, lock, deps);
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
    if (stillThere) await failAbandoned(row, file, sizeLock, deps);
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

/**
 * Upload with retries; the hash is the one of the bytes the successful attempt read and sent
 * (body.ts checks them against what was validated). A provider that answered without the
 * whole body, or for bytes that are not the validated ones, may still have stored something:
 * that copy is deleted before the attempt fails, so no provider file is left that no row knows.
 */
async function uploadWithRetry(file: ValidatedFile, provider: Provider, purpose: string, lock: LockHandle, deps: UploadDeps): Promise<{ remote: RemoteFile; sha256: string }> {
  const body = createUploadBody(file, deps.policy);
  let remote: RemoteFile;
  try {
    remote = await withRetry(
      async (_attempt, signal) => {
        // Every send re-reads the lockfile: a holder that stalled past its lease sends nothing.
        await lock.assertHeld();
        return provider.upload({ body, purpose, sha256: file.sha256, signal, onProgress: (sent) => deps.events?.onProgress?.(file, sent) });
      },
      {
        retry: deps.config.retry,
        budgetMs: uploadBudgetMs(deps.config, file.facts.size),
        clock: deps.clock,
        signal: deps.signal,
        onRetry: (info) => deps.events?.onRetry?.(file, provider.name, info),
      },
    );
  } catch (error) {
    if (isExaiError(error) && error.name === 'FILE_CHANGED') forgetHash(deps, file);
    throw error;
  }
  const sha256 = body.completedSha256();
  if (sha256 !== undefined && (file.sha256 === undefined || sha256 === file.sha256)) return { remote, sha256 };
  await discardRemote(provider, remote, deps);
  if (sha256 !== undefined) forgetHash(deps, file);
  throw sha256 === undefined
    ? new ExaiError('PROVIDER_BAD_RESPONSE', `${provider.name} accepted ${file.displayPath} before all of it was sent; its copy was deleted`, { path: file.displayPath })
    : new ExaiError('FILE_CHANGED', `${file.displayPath}: the bytes sent are not the ones validated; the provider's copy was deleted`, {
        path: file.displayPath,
        hint: 'make sure nothing writes to the file during the upload, then run it again',
      });
}

/** The retry loop's whole budget: retry.totalBudgetMs plus the body's time at the minimum rate. */
function uploadBudgetMs(config: UploadDeps['config'], bytes: number): number {
  return config.retry.totalBudgetMs + transferAllowanceMs(bytes, config.http.minRateBytesPerSec);
}

/** Delete a copy the provider should not keep; a failure is left for `exai gc --orphans`. */
async function discardRemote(provider: Provider, remote: RemoteFile, deps: UploadDeps): Promise<void> {
  await provider.delete(remote.id, deps.signal).catch(() => undefined);
}

/** A cache entry that vouched for other bytes would fail every later run the same way. */
function forgetHash(deps: UploadDeps, file: ValidatedFile): void {
  try {
    deps.hashCache?.forget?.(file.identity);
  } catch {
    // The cache is a hint; a stale entry only costs the same FILE_CHANGED again.
  }
}

/** Renew the row's lease every third of it (fenced by its token) while the upload runs; returns the stopper. */
function keepLeaseAlive(row: FileRecord, deps: UploadDeps): () => void {
  // A third, always: with a fixed floor a short lease would be renewed only as it ran out.
  const every = Math.max(1, Math.floor(deps.config.leaseMs / 3));
  const timer = setInterval(() => {
    // LOCK_LOST here means the claim went to another run: complete() then refuses too.
    void deps.catalog.renewLease(row.id, deps.config.leaseMs, deps.clock.now(), row.lockGeneration ?? undefined).catch(() => undefined);
  }, every);
  timer.unref();
  return () => clearInterval(timer);
}

function messageOf(error: unknown): string {
  if (isExaiError(error)) return `${error.name}: ${error.message}`;
  return error instanceof Error ? error.message : String(error);
}

function countUpload(deps: UploadDeps, provider: string, outcome: 'uploaded' | 'failed', bytes: number, ms: number): void {
  deps.metrics?.inc('uploadAttempts', { provider, outcome });
  if (outcome === 'uploaded') {
    deps.metrics?.inc('uploadBytes', { provider }, bytes);
    deps.metrics?.observe('uploadDuration', { provider }, ms / 1000);
  }
}

/** A dedup hit: counted once, as a hit and as an attempt that needed no provider request. */
export function countDedupHit(deps: Pick<UploadDeps, 'metrics'>, provider: string): void {
  deps.metrics?.inc('dedupHits');
  deps.metrics?.inc('uploadAttempts', { provider, outcome: 'deduplicated' });
}
