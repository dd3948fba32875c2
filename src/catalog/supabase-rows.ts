/** Rows of public.files as PostgREST returns them (snake_case, ISO times) ↔ FileRecord. */
import type { ProviderName } from '../core/config/types.js';
import type { DeletionReason, FileRecord, FileStatus } from './types.js';

/** A public.files row in JSON. */
export interface FileRowJson {
  id: string;
  user_id: string;
  provider: string;
  purpose: string;
  provider_file_id: string | null;
  sha256: string;
  size_bytes: number | string;
  mime_type: string;
  original_name: string;
  storage_path: string | null;
  status: string;
  lease_expires_at: string | null;
  lock_generation?: number | string | null;
  created_at: string;
  updated_at: string;
  deleted_at: string | null;
  deletion_reason: string | null;
  error: string | null;
}

/** Convert one row; times become epoch ms, bigints numbers. */
export function recordFromJson(row: FileRowJson): FileRecord & { lockGeneration: number | null } {
  return {
    id: row.id,
    userId: row.user_id,
    provider: row.provider as ProviderName,
    purpose: row.purpose,
    providerFileId: row.provider_file_id,
    sha256: row.sha256,
    sizeBytes: Number(row.size_bytes),
    mimeType: row.mime_type,
    originalName: row.original_name,
    storagePath: row.storage_path,
    status: row.status as FileStatus,
    leaseExpiresAt: epoch(row.lease_expires_at),
    createdAt: epoch(row.created_at) ?? 0,
    updatedAt: epoch(row.updated_at) ?? 0,
    deletedAt: epoch(row.deleted_at),
    deletionReason: row.deletion_reason as DeletionReason | null,
    error: row.error,
    lockGeneration: row.lock_generation === null || row.lock_generation === undefined ? null : Number(row.lock_generation),
  };
}

function epoch(value: string | null): number | null {
  if (value === null) return null;
  const ms = Date.parse(value);
  return Number.isFinite(ms) ? ms : null;
}
