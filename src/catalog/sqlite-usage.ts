/**
 * Reading a user's quota use from the running totals (sqlite-usage-schema.ts): the held
 * row, minus the user's claims whose lease ran out but are not reconciled yet (an expired
 * lease holds nothing, even on a read-only connection that cannot reconcile it). Both reads
 * are index lookups, so a claim costs the same with 1k or 100k rows in the catalog.
 */
import type Database from 'better-sqlite3';
import type { Usage } from './types.js';

interface Totals {
  bytes: number;
  active: number;
  uploading: number;
}

const HELD_SQL = `SELECT held_bytes AS bytes, active_files AS active, uploading_files AS uploading FROM user_usage WHERE user_id = ?`;
const EXPIRED_SQL = `SELECT COALESCE(SUM(size_bytes), 0) AS bytes, 0 AS active, COUNT(*) AS uploading FROM files
  WHERE user_id = @user_id AND status = 'uploading' AND (lease_expires_at IS NULL OR lease_expires_at <= @now)`;

/** A user's quota use at `now`: active rows plus uploading rows with a live lease. */
export function selectUsage(db: Database.Database, userId: string, now: number): Usage {
  const held = (db.prepare(HELD_SQL).get(userId) as Totals | undefined) ?? { bytes: 0, active: 0, uploading: 0 };
  const expired = db.prepare(EXPIRED_SQL).get({ user_id: userId, now }) as Totals;
  return { usedBytes: held.bytes - expired.bytes, activeFiles: held.active, uploadingFiles: held.uploading - expired.uploading };
}

/** Bytes held by a user's active + live uploading rows (an expired lease holds nothing). */
export function selectUsedBytes(db: Database.Database, userId: string, now: number): number {
  return selectUsage(db, userId, now).usedBytes;
}
