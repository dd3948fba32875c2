/**
 * Hashing a big file while it uploads instead of before. A duplicate must have the same size,
 * so when the catalog holds no live row of that size the hash cannot find anything and can be
 * computed from the bytes as they go out: one read of the file instead of two.
 *
 * Files this big are locked by size, not by hash (the hash isn't known when the lock is
 * taken). Every process picks the same key from the size alone, and whoever holds
 * `size-N` holds every possible duplicate of the file, so under it "no live row of size N"
 * stays true until our own claim exists.
 */
import type { FileRecord } from '../../catalog/types.js';
import type { HashCache } from '../files/hash-cache.js';
import { hashVerified } from './body.js';
import type { UploadDeps, ValidatedFile } from './types.js';

/** Below this, hashing first costs a few milliseconds: not worth a second code path. */
export const HASH_WHILE_UPLOADING_MIN_BYTES = 8 * 1024 * 1024;

/** A file whose hash is known (after hashFirst). */
export type HashedFile = ValidatedFile & { sha256: string };

/** True for files locked by size (see above) rather than by hash. */
export function isSizeLocked(file: ValidatedFile): boolean {
  return file.facts.size >= HASH_WHILE_UPLOADING_MIN_BYTES;
}

/** The content lock's key: the size for big files (see above), else the hash. */
export function lockKeyFor(file: ValidatedFile): string {
  if (isSizeLocked(file)) return `size-${file.facts.size}`;
  if (file.sha256 === undefined) throw new Error(`lockKeyFor: ${file.displayPath} is small and has no hash`);
  return file.sha256;
}

/** True when the hash may wait for the upload: only where the size lock covers every writer. */
export function mayHashWhileUploading(file: ValidatedFile, deps: Pick<UploadDeps, 'locksCoverCatalog'>, dryRun: boolean): boolean {
  return file.sha256 === undefined && deps.locksCoverCatalog && !dryRun;
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

/** Live rows of this size, as seen while holding the size lock: uploading ones were abandoned. */
export function splitBySize(rows: readonly FileRecord[]): { active: FileRecord[]; abandoned: FileRecord[] } {
  return { active: rows.filter((r) => r.status === 'active'), abandoned: rows.filter((r) => r.status === 'uploading') };
}
