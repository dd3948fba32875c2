/** Turn better-sqlite3 failures into ExaiError CATALOG_ERROR with a hint naming the file. */
import { ExaiError, isExaiError } from '../core/errors.js';

/** The `code` better-sqlite3 puts on its SqliteError (e.g. "SQLITE_BUSY"), if any. */
export function sqliteCode(err: unknown): string | undefined {
  if (typeof err !== 'object' || err === null) return undefined;
  const code = (err as { code?: unknown }).code;
  return typeof code === 'string' && code.startsWith('SQLITE_') ? code : undefined;
}

function hintFor(code: string | undefined, file: string): string {
  if (code === 'SQLITE_BUSY' || code === 'SQLITE_LOCKED') {
    return `another process kept the catalog ${file} locked for over 10 s; retry when it finishes`;
  }
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

/** Wrap anything thrown by SQLite; ExaiErrors pass through untouched. */
export function wrapSqliteError(err: unknown, file: string, action: string): ExaiError {
  if (isExaiError(err)) return err;
  const code = sqliteCode(err);
  const detail = err instanceof Error ? err.message : String(err);
  return new ExaiError('CATALOG_ERROR', `catalog ${action} failed: ${detail}${code ? ` (${code})` : ''}`, {
    hint: hintFor(code, file),
    path: file,
    cause: err,
    details: code ? { sqlite_code: code } : undefined,
  });
}
