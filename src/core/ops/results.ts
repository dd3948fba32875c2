/**
 * The result shapes every front end shares: the CLI's `--json` rows, the library's return
 * values and the MCP tools' structured output are these types, built by these functions.
 */
import type { FileRecord } from '../../catalog/types.js';
import type { ErrorJson } from '../errors.js';
import type { UploadOutcome } from '../upload/types.js';
import type { ValidationReport } from '../validate/report.js';

export type { ValidationReport } from '../validate/report.js';

/** A catalog row (`exai ls --json`): snake_case, ISO times. */
export interface RecordJson {
  id: string;
  provider: string;
  purpose: string;
  file_id: string | null;
  sha256: string;
  size: number;
  mime_type: string;
  name: string;
  status: string;
  created_at: string;
  deleted_at: string | null;
  deletion_reason: string | null;
}

/** Turn a catalog row into its JSON shape. */
export function recordToJson(record: FileRecord): RecordJson {
  return {
    id: record.id,
    provider: record.provider,
    purpose: record.purpose,
    file_id: record.providerFileId,
    sha256: record.sha256,
    size: record.sizeBytes,
    mime_type: record.mimeType,
    name: record.originalName,
    status: record.status,
    created_at: new Date(record.createdAt).toISOString(),
    deleted_at: record.deletedAt === null ? null : new Date(record.deletedAt).toISOString(),
    deletion_reason: record.deletionReason,
  };
}

/** One file of an upload (`exai upload --json`). */
export interface UploadRow {
  path: string;
  sha256: string | null;
  size: number | null;
  mime_type: string | null;
  provider: string | null;
  purpose: string | null;
  file_id: string | null;
  deduplicated: boolean;
  /** uploaded, deduplicated, would-upload, failed, skipped; rejected/skipped when validation stopped the batch. */
  status: string;
  error?: ErrorJson | { code: number; name: string; message: string } | undefined;
  errors?: ValidationReport['errors'] | undefined;
  fell_back_from?: Array<{ provider: string; reason: string }> | undefined;
}

/** The row of a file that was uploaded, deduplicated, planned or failed. */
export function outcomeRow(outcome: UploadOutcome): UploadRow {
  return {
    path: outcome.path,
    sha256: outcome.sha256,
    size: outcome.size,
    mime_type: outcome.mimeType,
    provider: outcome.provider,
    purpose: outcome.purpose,
    file_id: outcome.fileId,
    deduplicated: outcome.deduplicated,
    status: outcome.status,
    ...(outcome.error ? { error: outcome.error.toJSON() } : {}),
    ...(outcome.fellBackFrom ? { fell_back_from: outcome.fellBackFrom } : {}),
  };
}

/** The row of a file in a batch that validation stopped: rejected, or skipped because another was. */
export function rejectedRow(report: ValidationReport): UploadRow {
  const [first] = report.errors;
  return {
    path: report.path,
    sha256: report.metadata.sha256,
    size: report.metadata.size,
    mime_type: report.metadata.mime_type,
    provider: null,
    purpose: null,
    file_id: null,
    deduplicated: false,
    status: report.valid ? 'skipped' : 'rejected',
    ...(first ? { error: first, errors: report.errors } : {}),
  };
}

/** One ref of a deletion (`exai rm --json`). */
export interface RemoveRow {
  ref: string;
  id: string | null;
  provider: string | null;
  file_id: string | null;
  deleted: boolean;
  already_gone: boolean;
  dry_run: boolean;
  error?: ErrorJson;
}

/** Usage against the quota (`exai quota --json`); null limits mean unlimited. */
export interface QuotaJson {
  used_bytes: number;
  limit_bytes: number | null;
  remaining_bytes: number | null;
  max_file_bytes: number;
  files: number;
  uploading: number;
}

/** A file's extracted content (`exai content --json`). */
export interface ContentJson {
  provider: string;
  file_id: string;
  name: string | null;
  /** The text the provider extracted (for local: the file's own text). */
  content: string;
  /** True when served from the local content cache, with no request. */
  cached: boolean;
}
