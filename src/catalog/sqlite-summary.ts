/** gc's lean view of a `files` row (RowSummary), read as arrays to skip per-row key lookups. */
import type { ProviderName } from '../core/config/types.js';
import type { FileStatus, RowSummary } from './types.js';

/** The columns, in the order SummaryRow holds them. */
export const SUMMARY_COLUMNS = 'id, user_id, provider, provider_file_id, size_bytes, original_name, status, lease_expires_at, created_at';

/** One row as better-sqlite3 returns it in raw mode. */
export type SummaryRow = [string, string, string, string | null, number, string, string, number | null, number];

/**
 * Array → RowSummary; CHECK constraints guarantee the unions. The few distinct user ids,
 * providers and statuses are shared, not one string per row (100,000 rows: ~7 MB less).
 */
export function summaryReader(): (r: SummaryRow) => RowSummary {
  const strings = new Map<string, string>();
  const shared = (s: string): string => {
    const known = strings.get(s);
    if (known !== undefined) return known;
    strings.set(s, s);
    return s;
  };
  return (r) => ({
    id: r[0],
    userId: shared(r[1]),
    provider: shared(r[2]) as ProviderName,
    providerFileId: r[3],
    sizeBytes: r[4],
    originalName: r[5],
    status: shared(r[6]) as FileStatus,
    leaseExpiresAt: r[7],
    createdAt: r[8],
  });
}
