/** Catalog reads every front end shares: listing rows and the quota. */
import type { FileRecord, FileStatus, ListFilter } from '../../catalog/types.js';
import type { ProviderName } from '../config/types.js';
import type { Runtime } from '../runtime.js';
import type { QuotaJson } from './results.js';

export interface ListFilesOptions {
  provider?: ProviderName | undefined;
  /** Only this status; without it, deleted rows are left out. */
  status?: FileStatus | undefined;
  /** Epoch ms: only rows created at or after this. */
  since?: number | undefined;
  limit?: number | undefined;
}

/** The current user's rows, newest first. */
export async function listFiles(rt: Runtime, opts: ListFilesOptions = {}): Promise<FileRecord[]> {
  const catalog = await rt.catalog();
  const filter: ListFilter = { userId: rt.userId, provider: opts.provider, status: opts.status, since: opts.since };
  // Without a status, deleted rows are hidden, so the limit must apply after that filter.
  if (opts.status !== undefined) return catalog.list({ ...filter, limit: opts.limit });
  return (await catalog.list(filter)).filter((r) => r.status !== 'deleted').slice(0, opts.limit);
}

/** The user's usage against the configured quota. */
export async function getQuota(rt: Runtime): Promise<QuotaJson> {
  const usage = await (await rt.catalog()).usage(rt.userId);
  const limit = rt.config.quotaBytes;
  // A non-finite quota means "unlimited" (the catalog treats it so); JSON has no Infinity.
  const limited = Number.isFinite(limit);
  return {
    used_bytes: usage.usedBytes,
    limit_bytes: limited ? limit : null,
    remaining_bytes: limited ? Math.max(0, limit - usage.usedBytes) : null,
    max_file_bytes: rt.config.maxFileSize,
    files: usage.activeFiles,
    uploading: usage.uploadingFiles,
  };
}
