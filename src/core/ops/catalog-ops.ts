/** Catalog reads every front end shares: listing rows and the quota. */
import type { FileRecord, FileStatus, ListFilter } from '../../catalog/types.js';
import type { ProviderName } from '../config/types.js';
import { ExaiError } from '../errors.js';
import type { Runtime } from '../runtime.js';
import type { QuotaJson } from './results.js';

export interface ListFilesOptions {
  provider?: ProviderName | undefined;
  /** Only this status; without it (and without `all`), the live rows: active and uploading. */
  status?: FileStatus | undefined;
  /** Every status, failed and deleted rows included. */
  all?: boolean | undefined;
  /** Epoch ms: only rows created at or after this. */
  since?: number | undefined;
  limit?: number | undefined;
}

/** What a listing shows unless asked otherwise: rows that hold a file (a failed try is noise once a retry worked). */
const DEFAULT_STATUSES: ReadonlySet<FileStatus> = new Set(['active', 'uploading']);

/** The current user's rows, newest first. */
export async function listFiles(rt: Runtime, opts: ListFilesOptions = {}): Promise<FileRecord[]> {
  if (opts.all === true && opts.status !== undefined) throw new ExaiError('USAGE', '--all and --status ask for different rows; pick one.');
  const catalog = await rt.catalog();
  const filter: ListFilter = { userId: rt.userId, provider: opts.provider, status: opts.status, since: opts.since };
  if (opts.status !== undefined || opts.all === true) return catalog.list({ ...filter, limit: opts.limit });
  // The default hides rows by status after the query, so the limit must apply after that filter.
  return (await catalog.list(filter)).filter((r) => DEFAULT_STATUSES.has(r.status)).slice(0, opts.limit);
}

/** The user's usage against the quota: the server's (user_quotas) on the shared backend, else the configured one. */
export async function getQuota(rt: Runtime): Promise<QuotaJson> {
  const usage = await (await rt.catalog()).usage(rt.userId);
  const limit = usage.quotaBytes ?? rt.config.quotaBytes;
  // A non-finite quota means "unlimited" (the catalog treats it so); JSON has no Infinity.
  const limited = Number.isFinite(limit);
  return {
    used_bytes: usage.usedBytes,
    limit_bytes: limited ? limit : null,
    remaining_bytes: limited ? Math.max(0, limit - usage.usedBytes) : null,
    max_file_bytes: Math.min(usage.maxFileSize ?? Infinity, rt.config.maxFileSize),
    files: usage.activeFiles,
    uploading: usage.uploadingFiles,
  };
}
