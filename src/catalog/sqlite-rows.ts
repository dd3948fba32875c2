/** Mapping between `files` rows (snake_case, SQLite types) and FileRecord. */
import type { ProviderName } from '../core/config/types.js';
import type { DeletionReason, FileRecord, FileStatus } from './types.js';

/** A `files` row exactly as better-sqlite3 returns it. */
export interface FileRow {
  id: string;
  user_id: string;
  provider: string;
  purpose: string;
  provider_file_id: string | null;
  sha256: string;
  size_bytes: number;
  mime_type: string;
  original_name: string;
  storage_path: string | null;
  status: string;
  lease_expires_at: number | null;
  created_at: number;
  updated_at: number;
  deleted_at: number | null;
  deletion_reason: string | null;
  error: string | null;
  lock_generation: number | null;
}

/** Convert a row to the record every caller sees. CHECK constraints guarantee the unions. */
export function toRecord(row: FileRow): FileRecord {
  return {
    id: row.id,
    userId: row.user_id,
    provider: row.provider as ProviderName,
    purpose: row.purpose,
    providerFileId: row.provider_file_id,
    sha256: row.sha256,
    sizeBytes: row.size_bytes,
    mimeType: row.mime_type,
    originalName: row.original_name,
    storagePath: row.storage_path,
    status: row.status as FileStatus,
    leaseExpiresAt: row.lease_expires_at,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    deletedAt: row.deleted_at,
    deletionReason: row.deletion_reason as DeletionReason | null,
    error: row.error,
    lockGeneration: row.lock_generation ?? null,
  };
}

/** The lower-case sha256 prefix range for `ref`, or undefined when `ref` is not ≥ 6 hex chars. */
export function sha256PrefixRange(ref: string): { low: string; high: string } | undefined {
  const prefix = ref.toLowerCase();
  if (!/^[0-9a-f]{6,64}$/.test(prefix)) return undefined;
  // A range instead of LIKE: it uses the sha256 index and has no wildcards to escape.
  // Every lower-hex string starting with `prefix` sorts in [prefix, prefix + 'g').
  return { low: prefix, high: `${prefix}g` };
}

/** Format a byte count for people: 1536 → "1.5 KiB". */
export function formatBytes(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes;
  let unit = 0;
  while (Math.abs(value) >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  const text = unit === 0 ? String(value) : value.toFixed(value < 10 ? 2 : 1).replace(/\.?0+$/, '');
  return `${text} ${units[unit] ?? 'B'}`;
}
