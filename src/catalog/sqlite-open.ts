/** Opening the SQLite file: 0700 dir, 0600 file, PRAGMAs, schema version check, migrations. */
import fs from 'node:fs/promises';
import type Database from 'better-sqlite3';
import { ExaiError } from '../core/errors.js';
import { loadSqliteDriver, type SqliteDriver } from '../core/sqlite-driver.js';
import { enableWal } from '../core/sqlite-wal.js';
import { LATEST_VERSION, migrate, readSchemaVersion } from './migrations.js';

/** How long any catalog statement waits for another process's lock (busy_timeout). */
export const CATALOG_BUSY_TIMEOUT_MS = 10_000;

async function openConnection(driver: SqliteDriver, file: string, readonly: boolean): Promise<Database.Database> {
  // The driver sets busy_timeout at open from `timeout`, before any PRAGMA reads the file.
  const db = new driver.Database(file, { ...driver.options, readonly, fileMustExist: readonly, timeout: CATALOG_BUSY_TIMEOUT_MS });
  try {
    if (!readonly) {
      // NORMAL before WAL: a fresh file becomes a WAL database in one rollback-journal write,
      // which FULL (the default) syncs once more than NORMAL does.
      db.pragma('synchronous = NORMAL');
      // Retried by hand: the switch's lock upgrade fails at once under a rival opener.
      await enableWal(db, CATALOG_BUSY_TIMEOUT_MS);
    }
    db.pragma('foreign_keys = ON');
  } catch (err) {
    db.close();
    throw err;
  }
  cacheStatements(db);
  return db;
}

/**
 * Compile each SQL text once per connection. Preparing is most of the cost of a small query
 * (a batch upload runs a handful per file); better-sqlite3 statements are reusable as long as
 * none is iterated while re-run, and the catalog only uses get/all/run.
 */
function cacheStatements(db: Database.Database): void {
  const prepare = db.prepare.bind(db);
  const compiled = new Map<string, Database.Statement>();
  db.prepare = ((sql: string) => {
    let statement = compiled.get(sql);
    if (statement === undefined) {
      statement = prepare(sql);
      compiled.set(sql, statement);
    }
    return statement;
  }) as typeof db.prepare;
}

async function ensureFile(dir: string, file: string): Promise<void> {
  await fs.mkdir(dir, { recursive: true, mode: 0o700 });
  // Create it 0600 ourselves; SQLite gives the -wal/-shm files the database file's mode.
  const handle = await fs.open(file, 'a', 0o600);
  await handle.close();
}

function checkVersion(db: Database.Database, file: string): void {
  const version = readSchemaVersion(db);
  if (version > LATEST_VERSION) {
    throw new ExaiError('CATALOG_ERROR', `catalog schema v${version} is newer than this exai understands (v${LATEST_VERSION})`, {
      hint: `upgrade exai, or point EXAI_DATA_DIR away from ${file}`,
      path: file,
    });
  }
}

/** Open `file` (in `dir`), migrated to the latest schema; read-only connections migrate first through a writable one. */
export async function openDatabase(dir: string, file: string, readonly: boolean): Promise<Database.Database> {
  await ensureFile(dir, file);
  const driver = await loadSqliteDriver();
  const db = await openConnection(driver, file, false);
  try {
    checkVersion(db, file);
    migrate(db);
  } catch (err) {
    db.close();
    throw err;
  }
  if (!readonly) return db;
  db.close();
  return await openConnection(driver, file, true);
}
