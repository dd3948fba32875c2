/** Turn better-sqlite3 failures into ExaiError CATALOG_ERROR with a hint naming the file. */
import { ExaiError, isExaiError } from '../core/errors.js';

/** The `code` better-sqlite3 puts on its SqliteError (e.g. "SQLITE_BUSY"), if any. */
export function sqliteCode(err: unknown): string | undefined {
  if (typeof err !== 'object' || err === null) return undefined;
  const code = (err as { code?: unknown }).code;
  return typeof code === 'string' && code.startsWith('SQLITE_') ? code : undefined;
}

/**
 * SQLite waits out a lock only where waiting can't deadlock; a read lock's upgrade, a stale
 * WAL snapshot or a recovery in progress fail at once. So "locked for over N s" is said only
 * when the failing call did spend the busy timeout waiting.
 */
function busyHint(file: string, waitedMs: number | undefined, busyTimeoutMs: number): string {
  if (waitedMs !== undefined && waitedMs >= busyTimeoutMs) {
    return `another process kept the catalog ${file} locked for over ${Math.round(busyTimeoutMs / 1000)} s; retry when it finishes`;
  }
  return `another process was changing the catalog ${file} at the same instant; retry`;
}

function hintFor(code: string | undefined, file: string, waitedMs: number | undefined, busyTimeoutMs: number): string {
  if (code?.startsWith('SQLITE_BUSY') || code?.startsWith('SQLITE_LOCKED')) return busyHint(file, waitedMs, busyTimeoutMs);
  if (code === 'SQLITE_CORRUPT' || code === 'SQLITE_NOTADB') {
    return `the catalog ${file} is damaged; move it aside (a new empty one is created) or restore a backup`;
  }
  if (code === 'SQLITE_READONLY' || code === 'SQLITE_CANTOPEN' || code === 'SQLITE_PERM') {
    return `check that ${file} and its directory exist and are writable by you`;
  }
  if (code === 'SQLITE_FULL' || code === 'SQLITE_IOERR') {
    return `the disk holding ${file} is full or failing`;
  }
  return `the catalog is ${file}`;
}

/** How long the failing call ran (`waitedMs`) against the connection's busy timeout, for the hint. */
export interface BusyWait {
  waitedMs: number;
  busyTimeoutMs: number;
}

/** Wrap anything thrown by SQLite; ExaiErrors pass through untouched. */
export function wrapSqliteError(err: unknown, file: string, action: string, wait?: BusyWait): ExaiError {
  if (isExaiError(err)) return err;
  const code = sqliteCode(err);
  const detail = err instanceof Error ? err.message : String(err);
  return new ExaiError('CATALOG_ERROR', `catalog ${action} failed: ${detail}${code ? ` (${code})` : ''}`, {
    hint: hintFor(code, file, wait?.waitedMs, wait?.busyTimeoutMs ?? Infinity),
    path: file,
    cause: err,
    details: code ? { sqlite_code: code } : undefined,
  });
}
