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
  /**
   * Fencing token of the claim: the content lock's generation (SQLite) or one issued by the
   * server (Postgres). Writes that depend on the claim present it (compare-and-set).
   */
  lockGeneration: number | null;
}

/**
 * A row as gc plans over it: no hash, MIME type or timestamps it doesn't need, so 100,000 rows
 * fit in a small heap. gc reads the full record of each row it actually deletes.
 */
export type RowSummary = Pick<FileRecord, 'id' | 'userId' | 'provider' | 'providerFileId' | 'sizeBytes' | 'originalName' | 'status' | 'leaseExpiresAt' | 'createdAt'>;

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
  /** SQLite: the generation of the content lockfile the claimer holds (its fencing token). */
  lockGeneration?: number | undefined;
}

export type ClaimResult =
  /**
   * A new `uploading` row is ours: upload, then complete or fail it. `abandoned`: the latest
   * row on this key (last 24 h, no provider file) that failed because its lease expired or it
   * was abandoned — its upload may have reached the provider, so look there before sending.
   */
  | { kind: 'claimed'; record: FileRecord; abandoned?: FileRecord | undefined }
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
  /** Bytes in `active` + live `uploading` rows (an expired lease holds nothing). */
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
  /**
   * Push a claim's lease forward while its upload is still running. With `lockGeneration`, a
   * compare-and-set: LOCK_LOST (nothing changed) unless the row is still uploading with it.
   */
  renewLease(id: string, leaseMs: number, now: number, lockGeneration?: number): Promise<void>;
  /**
   * uploading → active; `sha256` replaces a pending hash (PENDING_SHA256_PREFIX) with the real
   * one. With `extra.lockGeneration`: LOCK_LOST unless the row is uploading with that token.
   */
  complete(id: string, providerFileId: string, now: number, extra?: { storagePath?: string | null; sha256?: string; lockGeneration?: number }): Promise<FileRecord>;
  /**
   * uploading → failed; the reserved bytes are released. With `lockGeneration`: LOCK_LOST
   * (nothing changed) when the row's token differs or it is no longer uploading.
   */
  fail(id: string, error: string, now: number, lockGeneration?: number): Promise<void>;
  /** Expired `uploading` rows → failed. Returns the rows it changed. */
  reconcileExpired(now: number): Promise<FileRecord[]>;
  list(filter: ListFilter): Promise<FileRecord[]>;
  /** Rows (not deleted) whose provider id equals `ref` or whose sha256 starts with `ref`. */
  findByRef(userId: string, ref: string): Promise<FileRecord[]>;
  /** Soft delete: status deleted, deleted_at, reason; bytes given back. */
  markDeleted(id: string, reason: DeletionReason, now: number): Promise<FileRecord>;
  usage(userId: string): Promise<Usage>;
  /**
   * gc: every user's rows that are not `deleted`, matching `filter` (userId and limit
   * ignored), in no particular order. SQLite holds one user's rows anyway; Postgres answers
   * this only for the service role.
   */
  listAll(filter: Omit<ListFilter, 'userId'>): Promise<RowSummary[]>;
  /**
   * gc: remove `failed` rows created before `olderThan` (epoch ms) from the catalog for good
   * (they hold no quota); one user's, or every user's when `userId` is undefined (service
   * role). `provider` narrows it to one provider. Returns how many rows went.
   */
  purgeFailed(userId: string | undefined, olderThan: number, provider?: ProviderName): Promise<number>;
  close(): Promise<void>;
}
