/**
 * Hashing a big file while it uploads instead of before. A duplicate must have the same size,
 * so when the catalog holds no live row of that size the hash cannot find anything and can be
 * computed from the bytes as they go out: one read of the file instead of two.
 *
 * Such an upload claims its catalog row with a pending hash, under a lock on its size
 * (`size-N`: its hash isn't known). The claim itself is refused while any live row of that
 * size, provider and purpose exists, and a claim with a real hash waits while a pending one
 * of its size is live (catalog Catalog.claim, one transaction): a file and its duplicate can
 * never both be sent. A refused pending claim means: hash first, then the usual path.
 */
import { isPendingSha256, type FileRecord } from '../../catalog/types.js';
import type { HashCache } from '../files/hash-cache.js';
import { hashVerified } from './body.js';
import type { UploadDeps, ValidatedFile } from './types.js';

/** Below this, hashing first costs a few milliseconds: not worth a second code path. */
export const HASH_WHILE_UPLOADING_MIN_BYTES = 8 * 1024 * 1024;

/** A file whose hash is known (after hashFirst). */
export type HashedFile = ValidatedFile & { sha256: string };

/** Thrown when a pending claim was refused (`size-taken`): hash the file, then start again. */
export class HashNeeded extends Error {
  constructor(readonly file: ValidatedFile) {
    super(`${file.displayPath}: a catalog row has the same size; hash first`);
  }
}

/** The content lock's key: the hash, or the size while the hash is still unknown. */
export function lockKeyFor(file: ValidatedFile): string {
  return file.sha256 ?? sizeLockKey(file.facts.size);
}

/** The lock every pending claim of `size` bytes is made under. */
export function sizeLockKey(size: number): string {
  return `size-${size}`;
}

/** True when the hash may wait for the upload: only where the size lock covers every writer. */
export function mayHashWhileUploading(file: ValidatedFile, deps: Pick<UploadDeps, 'locksCoverCatalog'>, opts: { dryRun: boolean; hashFirstSizes?: ReadonlySet<number> | undefined }): boolean {
  if (file.sha256 !== undefined || !deps.locksCoverCatalog || opts.dryRun) return false;
  // Two files of one size in a batch would wait for each other's hash: hash them up front.
  return opts.hashFirstSizes?.has(file.facts.size) !== true;
}

/** Sizes shared by more than one not-yet-hashed file of a batch. */
export function sharedSizes(files: readonly ValidatedFile[]): Set<number> {
  const seen = new Set<number>();
  const shared = new Set<number>();
  for (const file of files) {
    if (file.sha256 !== undefined) continue;
    if (seen.has(file.facts.size)) shared.add(file.facts.size);
    seen.add(file.facts.size);
  }
  return shared;
}

/** Read the file once to learn its hash (and remember it, so the next run needs only a stat). */
export async function hashFirst(file: ValidatedFile, deps: Pick<UploadDeps, 'policy' | 'hashCache'>): Promise<HashedFile> {
  if (file.sha256 !== undefined) return file as HashedFile;
  const sha256 = await hashVerified(file, deps.policy);
  rememberHash(deps.hashCache, file, sha256);
  return { ...file, sha256 };
}

/** Record a hash learnt while uploading or hashing; a cache that fails only costs a re-read. */
export function rememberHash(cache: HashCache | undefined, file: ValidatedFile, sha256: string): void {
  try {
    cache?.set(file.identity, { ...file.facts.content, sha256 });
  } catch {
    // The cache is a hint (see validate/inspect.ts).
  }
}

/** Pending claims of this size, seen while holding its size lock: their uploads are gone. */
export function abandonedPending(rows: readonly FileRecord[]): FileRecord[] {
  return rows.filter((r) => r.status === 'uploading' && isPendingSha256(r.sha256));
}
