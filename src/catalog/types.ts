/** The catalog of uploads (DESIGN.md §5): one interface, SQLite embedded, Supabase shared. */
import type { ProviderName } from '../core/config/types.js';

export type FileStatus = 'uploading' | 'active' | 'failed' | 'deleted';
export type DeletionReason = 'user' | 'retention' | 'orphan';

export interface FileRecord {
  id: string;
  userId: string;
  provider: ProviderName;
  purpose: string;
  providerFileId: string | null;
  sha256: string;
  sizeBytes: number;
  mimeType: string;
  originalName: string;
  storagePath: string | null;
  status: FileStatus;
  /** Epoch ms; only meaningful while status is `uploading`. */
  leaseExpiresAt: number | null;
  /** Epoch ms. */
  createdAt: number;
  updatedAt: number;
  deletedAt: number | null;
  deletionReason: DeletionReason | null;
  /** Why the row failed, when status is `failed`. */
  error: string | null;
}

/** The dedup key: unique among `uploading`/`active` rows. */
export interface DedupKey {
  userId: string;
  provider: ProviderName;
  purpose: string;
  sha256: string;
}

export interface ClaimInput extends DedupKey {
  sizeBytes: number;
  mimeType: string;
  originalName: string;
  leaseMs: number;
  /** Total bytes the user may hold in `uploading` + `active` rows. */
  quotaBytes: number;
  now: number;
}

export type ClaimResult =
  /** A new `uploading` row is ours: upload, then complete or fail it. */
  | { kind: 'claimed'; record: FileRecord }
  /** Already uploaded: a dedup hit, no provider call. */
  | { kind: 'active'; record: FileRecord }
  /**
   * Someone else holds a live claim on this key — or, for a claim with a real hash, a pending
   * claim of the same size, provider and purpose is live: it may be the same content.
   */
  | { kind: 'busy'; record: FileRecord }
  /** A pending claim was refused: a live row of the same size, provider and purpose may be its duplicate. */
  | { kind: 'size-taken'; record: FileRecord };

export interface ListFilter {
  userId?: string | undefined;
  provider?: ProviderName | undefined;
  status?: FileStatus | undefined;
  /** Epoch ms: only rows created at or after this. */
  since?: number | undefined;
  limit?: number | undefined;
}

export interface Usage {
  /** Bytes in `active` + `uploading` rows. */
  usedBytes: number;
  activeFiles: number;
  uploadingFiles: number;
  /** The server's limit for this user (shared backend); absent → config.quotaBytes applies. */
  quotaBytes?: number;
  /** The server's largest file for this user (shared backend). */
  maxFileSize?: number;
}

/**
 * The sha256 of a claim made before the file's hash is known (a big file hashed while it
 * uploads, core/upload/one-file.ts): unique per claim, never a hex digest, replaced by the
 * real hash when the claim completes.
 */
export const PENDING_SHA256_PREFIX = 'pending:';

/** True for the placeholder hash of a claim whose content hash is not known yet. */
export function isPendingSha256(sha256: string): boolean {
  return sha256.startsWith(PENDING_SHA256_PREFIX);
}

export interface Catalog {
  /** The active row for a dedup key, if any. */
  findActive(key: DedupKey): Promise<FileRecord | undefined>;
  /**
   * A user's live (`uploading`/`active`) rows of exactly `sizeBytes`: when there are none, no
   * file of that size can be a duplicate, so its hash can wait until it is uploaded.
   */
  liveOfSize(userId: string, sizeBytes: number): Promise<FileRecord[]>;
  /**
   * In one transaction: return the active row if there is one; else reconcile an expired
   * claim on the key; else check quota (throws QUOTA_EXCEEDED) and insert an `uploading` row.
   * Size checks in the same transaction keep pending and real claims apart: a pending claim
   * is refused (`size-taken`) while any live row has its size, provider and purpose, and a
   * real claim is `busy` while such a pending row is live.
   */
  claim(input: ClaimInput): Promise<ClaimResult>;
  /** Push a claim's lease forward while its upload is still running. */
  renewLease(id: string, leaseMs: number, now: number): Promise<void>;
  /** uploading → active; `sha256` replaces a pending hash (PENDING_SHA256_PREFIX) with the real one. */
  complete(id: string, providerFileId: string, now: number, extra?: { storagePath?: string | null; sha256?: string }): Promise<FileRecord>;
  /** uploading → failed; the reserved bytes are released. */
  fail(id: string, error: string, now: number): Promise<void>;
  /** Expired `uploading` rows → failed. Returns the rows it changed. */
  reconcileExpired(now: number): Promise<FileRecord[]>;
  list(filter: ListFilter): Promise<FileRecord[]>;
  /** Rows (not deleted) whose provider id equals `ref` or whose sha256 starts with `ref`. */
  findByRef(userId: string, ref: string): Promise<FileRecord[]>;
  /** Soft delete: status deleted, deleted_at, reason; bytes given back. */
  markDeleted(id: string, reason: DeletionReason, now: number): Promise<FileRecord>;
  usage(userId: string): Promise<Usage>;
  close(): Promise<void>;
}
