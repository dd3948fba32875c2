/**
 * Fencing and read-time reconciliation for the SQLite catalog: the LOCK_LOST error of a
 * compare-and-set that found another token, and list filters that treat an expired claim as
 * the failed row it is (contract item 5: reads are right even before anything reconciles).
 */
import { ExaiError } from '../core/errors.js';
import type { FileRow } from './sqlite-rows.js';
import type { FileRecord, ListFilter } from './types.js';

/** LOCK_LOST: a write that depended on holding the claim found it gone or someone else's. */
export function lockLost(current: FileRecord, action: string, providerFileId?: string): ExaiError {
  const orphan = providerFileId === undefined ? '' : `; provider file ${providerFileId} is now an orphan that \`exai gc\` removes`;
  return new ExaiError('LOCK_LOST', `could not ${action} claim ${current.id}: it is no longer this upload's (status ${current.status})`, {
    hint: `this process stalled past its lease and another run took the content over${orphan}; run the command again`,
    details: { id: current.id, status: current.status, ...(providerFileId === undefined ? {} : { provider_file_id: providerFileId }) },
  });
}

const EXPIRED = `(status = 'uploading' AND (lease_expires_at IS NULL OR lease_expires_at <= @now))`;

/** WHERE clause and parameters for list(); a status filter sees expired claims as failed. */
export function readListWhere(filter: ListFilter, now: number): { where: string; params: Record<string, string | number> } {
  const clauses: string[] = [];
  const params: Record<string, string | number> = {};
  const add = (clause: string, name: string, value: string | number | undefined): void => {
    if (value === undefined) return;
    clauses.push(clause);
    params[name] = value;
  };
  add('user_id = @user_id', 'user_id', filter.userId);
  add('provider = @provider', 'provider', filter.provider);
  add('created_at >= @since', 'since', filter.since);
  if (filter.status !== undefined) {
    params.now = now;
    if (filter.status === 'failed') clauses.push(`(status = 'failed' OR ${EXPIRED})`);
    else if (filter.status === 'uploading') clauses.push(`(status = 'uploading' AND NOT ${EXPIRED})`);
    else add('status = @status', 'status', filter.status);
  }
  return { where: clauses.length ? ` WHERE ${clauses.join(' AND ')}` : '', params };
}

/**
 * The row as reconciliation would leave it: an expired claim reads as failed. It keeps its
 * (past) lease_expires_at, which a reconciled row has cleared: that is how `exai unlock
 * --dry-run` tells the claims it would reconcile from rows that failed for good.
 */
export function withExpiredAsFailed(row: FileRow, now: number, error: string): FileRow {
  if (row.status !== 'uploading' || (row.lease_expires_at !== null && row.lease_expires_at > now)) return row;
  return { ...row, status: 'failed', error };
}
