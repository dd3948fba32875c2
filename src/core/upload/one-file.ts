/**
 * Steps 4-10 of DESIGN.md §1 for one validated file: choose providers, serve a dedup hit
 * without a lock or a request, otherwise take the content lock and try each candidate in
 * order until one takes the file.
 */
import type { FileRecord } from '../../catalog/types.js';
import { ExaiError, isExaiError } from '../errors.js';
import type { LockHandle } from '../lock/index.js';
import { countsAgainstBreaker } from '../resilience.js';
import { formatBytes } from '../units.js';
import { resolvePurpose, selectProviders } from '../../providers/registry.js';
import type { Provider } from '../../providers/types.js';
import { attemptProvider, countDedupHit } from './attempt.js';
import { failAbandoned, lockContent } from './content-lock.js';
import { abandonedPending, HashNeeded, hashFirst, lockKeyFor, mayHashWhileUploading } from './hash-later.js';
import type { UploadDeps, UploadOptions, UploadOutcome, ValidatedFile } from './types.js';

/** Upload one file (or find it already uploaded); never throws for a per-file failure. */
export async function uploadFile(file: ValidatedFile, opts: UploadOptions, deps: UploadDeps): Promise<UploadOutcome> {
  try {
    return await uploadOrThrow(file, opts, deps);
  } catch (error) {
    if (!isExaiError(error)) throw error;
    return { ...baseOutcome(file), status: 'failed', error };
  }
}

async function uploadOrThrow(given: ValidatedFile, opts: UploadOptions, deps: UploadDeps): Promise<UploadOutcome> {
  const { candidates } = selectProviders({
    registry: deps.registry,
    preferred: opts.preferred,
    strict: opts.strict,
    purpose: opts.purpose,
    sizeBytes: given.facts.size,
    breaker: deps.breaker,
    now: () => deps.clock.now(),
  });
  const file = await hashUnlessItCanWait(given, opts, deps);
  try {
    return await uploadSelected(file, candidates, opts, deps);
  } catch (error) {
    if (!(error instanceof HashNeeded)) throw error;
  }
  return uploadSelected(await hashFirst(file, deps), candidates, opts, deps);
}

/** Dedup hit, dry-run plan, or lock and upload (the lock is on the hash, or the size while it is unknown). */
async function uploadSelected(file: ValidatedFile, candidates: Provider[], opts: UploadOptions, deps: UploadDeps): Promise<UploadOutcome> {
  const hit = file.sha256 === undefined ? undefined : await findUploaded(file.sha256, candidates, opts, deps);
  if (hit) {
    countDedupHit(deps, hit.provider);
    return fromRecord(file, hit, 'deduplicated');
  }
  if (opts.dryRun) return planDryRun(file, candidates, opts, deps);
  const lock = await lockContent(lockKeyFor(file), file, deps);
  try {
    if (file.sha256 === undefined) await failAbandonedPending(file, lock, deps);
    return await tryCandidates(file, candidates, opts, lock, deps);
  } finally {
    await lock.release();
  }
}

/** Hash now unless the hash may wait for the upload (hash-later.ts); a same-size row means it can't. */
async function hashUnlessItCanWait(file: ValidatedFile, opts: UploadOptions, deps: UploadDeps): Promise<ValidatedFile> {
  if (!mayHashWhileUploading(file, deps, opts)) return hashFirst(file, deps);
  const sameSize = await deps.catalog.liveOfSize(deps.userId, file.facts.size);
  return sameSize.length === 0 ? file : hashFirst(file, deps);
}

/** Under the size lock, a pending claim of that size was left by a run that lost the lock: fail it. */
async function failAbandonedPending(file: ValidatedFile, lock: LockHandle, deps: UploadDeps): Promise<void> {
  for (const row of abandonedPending(await deps.catalog.liveOfSize(deps.userId, file.facts.size))) await failAbandoned(row, file, lock, deps);
}

/** A dedup hit: an `active` row for any candidate, preferred first. Costs no request. */
async function findUploaded(sha256: string, candidates: Provider[], opts: UploadOptions, deps: UploadDeps): Promise<FileRecord | undefined> {
  for (const provider of candidates) {
    const purpose = resolvePurpose(provider, opts.purpose);
    const row = await deps.catalog.findActive({ userId: deps.userId, provider: provider.name, purpose, sha256 });
    if (row) return row;
  }
  return undefined;
}

async function tryCandidates(
  file: ValidatedFile,
  candidates: Provider[],
  opts: UploadOptions,
  lock: LockHandle,
  deps: UploadDeps,
): Promise<UploadOutcome> {
  const passedOver: Array<{ provider: Provider['name']; reason: string }> = [];
  for (const [index, provider] of candidates.entries()) {
    try {
      const result = await attemptProvider(file, provider, resolvePurpose(provider, opts.purpose), lock, deps);
      return { ...fromRecord(file, result.record, result.kind), ...(passedOver.length ? { fellBackFrom: passedOver } : {}) };
    } catch (error) {
      const last = index === candidates.length - 1;
      if (last || !shouldFallBack(error)) throw error;
      passedOver.push({ provider: provider.name, reason: (error as ExaiError).message });
      deps.events?.onFallback?.(file, provider.name, error as ExaiError);
    }
  }
  throw new ExaiError('INTERNAL', 'no provider candidates');
}

/** The provider is the problem (down, rate limited, out of balance, refused the size): try the next. */
function shouldFallBack(error: unknown): boolean {
  if (!isExaiError(error)) return false;
  if (countsAgainstBreaker(error)) return true;
  return error.name === 'PROVIDER_QUOTA_EXHAUSTED' || error.name === 'PROVIDER_FILE_TOO_LARGE' || error.name === 'PROVIDER_AUTH_FAILED';
}

/** Dry run: say where the file would go and whether the quota has room, without writing anything. */
async function planDryRun(file: ValidatedFile, candidates: Provider[], opts: UploadOptions, deps: UploadDeps): Promise<UploadOutcome> {
  const provider = candidates[0]!;
  const usage = await deps.catalog.usage(deps.userId);
  const quotaBytes = usage.quotaBytes ?? deps.config.quotaBytes;
  const outcome: UploadOutcome = { ...baseOutcome(file), provider: provider.name, purpose: resolvePurpose(provider, opts.purpose), status: 'would-upload' };
  if (usage.usedBytes + file.facts.size <= quotaBytes) return outcome;
  const sizes = `${formatBytes(usage.usedBytes)} of ${formatBytes(quotaBytes)} used, this file needs ${formatBytes(file.facts.size)}`;
  const error = new ExaiError('QUOTA_EXCEEDED', `${file.displayPath}: would exceed the quota (${sizes})`, {
    path: file.displayPath,
    details: { used_bytes: usage.usedBytes, limit_bytes: quotaBytes, needed_bytes: file.facts.size },
    hint: 'remove files with `exai rm`, or raise `quota` with `exai config set quota …`',
  });
  return { ...outcome, status: 'failed', error };
}

/** The outcome fields known from the file alone (status `failed` until something better is known). */
export function baseOutcome(file: ValidatedFile): UploadOutcome {
  return {
    path: file.displayPath,
    sha256: file.sha256 ?? null,
    size: file.facts.size,
    mimeType: file.facts.mimeType ?? 'application/octet-stream',
    provider: null,
    purpose: null,
    fileId: null,
    deduplicated: false,
    status: 'failed',
  };
}

function fromRecord(file: ValidatedFile, record: FileRecord, kind: 'uploaded' | 'deduplicated'): UploadOutcome {
  return {
    ...baseOutcome(file),
    // The record's hash: for a file hashed while uploading, only the completed row knows it.
    sha256: record.sha256,
    provider: record.provider,
    purpose: record.purpose,
    fileId: record.providerFileId,
    deduplicated: kind === 'deduplicated',
    status: kind,
  };
}
