/**
 * The embedded catalog (DESIGN.md §3, §5): one SQLite file `<dir>/catalog.sqlite` in WAL
 * mode. better-sqlite3 is imported lazily so commands that never touch the catalog don't load
 * the native module. Every method is async only because the Supabase catalog is.
 */
import path from 'node:path';
import type Database from 'better-sqlite3';
import type { ProviderName } from '../core/config/types.js';
import { ExaiError } from '../core/errors.js';
import { CATALOG_BUSY_TIMEOUT_MS, openDatabase } from './sqlite-open.js';
import { claimInTransaction, completeClaim, LEASE_EXPIRED_ERROR, selectLiveByKey } from './sqlite-claim.js';
import { selectUsage } from './sqlite-usage.js';
import { lockLost, readListWhere, withExpiredAsFailed } from './sqlite-fence.js';
import { wrapSqliteError, type BusyWait } from './sqlite-errors.js';
import { sha256PrefixRange, toRecord, type FileRow } from './sqlite-rows.js';
import { SUMMARY_COLUMNS, summaryReader, type SummaryRow } from './sqlite-summary.js';
import type { Catalog, ClaimInput, ClaimResult, DedupKey, DeletionReason, FileRecord, ListFilter, RowSummary, Usage } from './types.js';

/** Where and how to open the embedded catalog. */
export interface SqliteCatalogOptions {
  /** Directory holding catalog.sqlite (the data dir); created 0700 when missing. */
  dir: string;
  /** Open for reading only (ls, quota); the schema is still created/migrated first if needed. */
  readonly?: boolean;
  /** Epoch ms for reads that judge leases (list, usage); Date.now by default. */
  now?: () => number;
}

/** The catalog file name inside `dir`. */
export const CATALOG_FILE = 'catalog.sqlite';

/** Open (creating and migrating when needed) the SQLite catalog in `dir`. */
export async function openSqliteCatalog(options: SqliteCatalogOptions): Promise<Catalog> {
  const file = path.join(options.dir, CATALOG_FILE);
  const started = performance.now();
  try {
    const db = await openDatabase(options.dir, file, options.readonly ?? false);
    return new SqliteCatalog(db, file, options.now ?? Date.now);
  } catch (err) {
    throw wrapSqliteError(err, file, 'open', waitedSince(started));
  }
}

/** The time since `started` against the busy timeout, so a busy hint says whether SQLite waited. */
function waitedSince(started: number): BusyWait {
  return { waitedMs: performance.now() - started, busyTimeoutMs: CATALOG_BUSY_TIMEOUT_MS };
}

/** Catalog over one better-sqlite3 connection. */
class SqliteCatalog implements Catalog {
  constructor(
    private readonly db: Database.Database,
    private readonly file: string,
    private readonly now: () => number,
  ) {}

  private run<T>(action: string, body: () => T): Promise<T> {
    const started = performance.now();
    try {
      return Promise.resolve(body());
    } catch (err) {
      return Promise.reject(wrapSqliteError(err, this.file, action, waitedSince(started)));
    }
  }

  private byId(id: string): FileRecord {
    const row = this.db.prepare('SELECT * FROM files WHERE id = ?').get(id) as FileRow | undefined;
    if (!row) throw new ExaiError('NOT_IN_CATALOG', `no catalog entry with id ${id}`, { hint: 'see `exai ls`' });
    return toRecord(row);
  }

  findActive(key: DedupKey): Promise<FileRecord | undefined> {
    return this.run('lookup', () => {
      const live = selectLiveByKey(this.db, key);
      return live?.status === 'active' ? live : undefined;
    });
  }

  claim(input: ClaimInput): Promise<ClaimResult> {
    return this.run('claim', () => claimInTransaction(this.db, input));
  }

  renewLease(id: string, leaseMs: number, now: number, lockGeneration?: number): Promise<void> {
    return this.run('lease renewal', () => {
      const sql = `UPDATE files SET lease_expires_at = ?, updated_at = ? WHERE id = ? AND status = 'uploading' AND (? IS NULL OR lock_generation = ?)`;
      if (this.db.prepare(sql).run(now + leaseMs, now, id, lockGeneration ?? null, lockGeneration ?? null).changes > 0) return;
      const current = this.byId(id);
      if (lockGeneration !== undefined) throw lockLost(current, 'renew the lease of');
      throw new ExaiError('CATALOG_ERROR', `claim ${id} is no longer uploading (status ${current.status})`, {
        hint: 'its lease expired before it was renewed; retry the upload',
      });
    });
  }

  complete(id: string, providerFileId: string, now: number, extra: { storagePath?: string | null; sha256?: string; lockGeneration?: number } = {}): Promise<FileRecord> {
    return this.run('complete', () => {
      const row = completeClaim(this.db, { id, providerFileId, now, ...extra });
      if (row) return toRecord(row);
      const current = this.byId(id);
      if (extra.lockGeneration !== undefined) throw lockLost(current, 'complete', providerFileId);
      throw new ExaiError('CATALOG_ERROR', `claim ${id} is no longer uploading (status ${current.status})`, {
        hint: `its lease expired during the upload; provider file ${providerFileId} is now an orphan that \`exai gc\` removes`,
        details: { provider_file_id: providerFileId },
      });
    });
  }

  liveOfSize(userId: string, sizeBytes: number): Promise<FileRecord[]> {
    return this.run('lookup', () => {
      const rows = this.db
        .prepare(`SELECT * FROM files WHERE user_id = ? AND size_bytes = ? AND status IN ('uploading', 'active')`)
        .all(userId, sizeBytes) as FileRow[];
      return rows.map(toRecord);
    });
  }

  fail(id: string, error: string, now: number, lockGeneration?: number): Promise<void> {
    return this.run('fail', () => {
      const sql = `UPDATE files SET status = 'failed', error = ?, lease_expires_at = NULL, updated_at = ?
        WHERE id = ? AND status = 'uploading' AND (? IS NULL OR lock_generation = ?)`;
      if (this.db.prepare(sql).run(error, now, id, lockGeneration ?? null, lockGeneration ?? null).changes > 0) return;
      const current = this.byId(id);
      // Without a token, failing an already failed/active row is a no-op: fail() runs on error paths.
      if (lockGeneration !== undefined) throw lockLost(current, 'fail');
    });
  }

  reconcileExpired(now: number): Promise<FileRecord[]> {
    return this.run('reconcile', () => {
      const rows = this.db
        .prepare(
          `UPDATE files SET status = 'failed', error = @error, lease_expires_at = NULL, updated_at = @now
           WHERE status = 'uploading' AND (lease_expires_at IS NULL OR lease_expires_at <= @now) RETURNING *`,
        )
        .all({ error: LEASE_EXPIRED_ERROR, now }) as FileRow[];
      return rows.map(toRecord);
    });
  }

  list(filter: ListFilter): Promise<FileRecord[]> {
    return this.run('list', () => {
      // An expired claim is shown failed (and counted so) even before anything reconciles it:
      // ls and quota open the catalog read-only.
      const now = this.now();
      const { where, params } = readListWhere(filter, now);
      let sql = `SELECT * FROM files${where} ORDER BY created_at DESC, rowid DESC`;
      if (filter.limit !== undefined) {
        sql += ' LIMIT @limit';
        params.limit = Math.max(0, Math.floor(filter.limit));
      }
      return (this.db.prepare(sql).all(params) as FileRow[]).map((row) => toRecord(withExpiredAsFailed(row, now, LEASE_EXPIRED_ERROR)));
    });
  }

  findByRef(userId: string, ref: string): Promise<FileRecord[]> {
    return this.run('lookup', () => {
      const range = sha256PrefixRange(ref);
      const rows = this.db
        .prepare(
          `SELECT * FROM files WHERE user_id = @user_id AND status != 'deleted'
             AND (provider_file_id = @ref OR id = @ref OR (@low IS NOT NULL AND sha256 >= @low AND sha256 < @high))
           ORDER BY created_at DESC, rowid DESC`,
        )
        .all({ user_id: userId, ref, low: range?.low ?? null, high: range?.high ?? null }) as FileRow[];
      return rows.map(toRecord);
    });
  }

  markDeleted(id: string, reason: DeletionReason, now: number): Promise<FileRecord> {
    return this.run('delete', () => {
      const row = this.db
        .prepare(
          `UPDATE files SET status = 'deleted', deleted_at = ?, deletion_reason = ?, lease_expires_at = NULL, updated_at = ?
           WHERE id = ? AND status != 'deleted' RETURNING *`,
        )
        .get(now, reason, now, id) as FileRow | undefined;
      // Deleting twice is fine: the first deletion's record is the answer.
      return row ? toRecord(row) : this.byId(id);
    });
  }

  usage(userId: string): Promise<Usage> {
    return this.run('usage', () => selectUsage(this.db, userId, this.now()));
  }

  listAll(filter: Omit<ListFilter, 'userId'>): Promise<RowSummary[]> {
    return this.run('list', () => {
      const { where, params } = readListWhere({ ...filter, userId: undefined, limit: undefined }, this.now());
      // Only the columns gc plans with, no ORDER BY (sorting every row cost gc ~40%).
      const sql = `SELECT ${SUMMARY_COLUMNS} FROM files${where ? `${where} AND` : ' WHERE'} status != 'deleted'`;
      const out: RowSummary[] = [];
      const toSummary = summaryReader();
      for (const row of this.db.prepare(sql).raw(true).iterate(params) as IterableIterator<SummaryRow>) out.push(toSummary(row));
      return out;
    });
  }

  purgeFailed(userId: string | undefined, olderThan: number, provider?: ProviderName): Promise<number> {
    return this.run('purge', () => {
      const sql = `DELETE FROM files WHERE status = 'failed' AND created_at < @before
        AND (@user_id IS NULL OR user_id = @user_id) AND (@provider IS NULL OR provider = @provider)`;
      return this.db.prepare(sql).run({ before: olderThan, user_id: userId ?? null, provider: provider ?? null }).changes;
    });
  }

  close(): Promise<void> {
    return this.run('close', () => {
      if (this.db.open) this.db.close();
    });
  }
}
