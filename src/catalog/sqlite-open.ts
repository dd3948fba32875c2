/** Opening the SQLite file: 0700 dir, 0600 file, PRAGMAs, schema version check, migrations. */
import fs from 'node:fs/promises';
import type Database from 'better-sqlite3';
import { ExaiError } from '../core/errors.js';
import { loadSqliteDriver, type SqliteDriver } from '../core/sqlite-driver.js';
import { LATEST_VERSION, migrate, readSchemaVersion } from './migrations.js';

function openConnection(driver: SqliteDriver, file: string, readonly: boolean): Database.Database {
  const db = new driver.Database(file, { ...driver.options, readonly, fileMustExist: readonly });
  // busy_timeout first: switching to WAL needs a lock another process may hold.
  db.pragma('busy_timeout = 10000');
  if (!readonly) {
    // NORMAL before WAL: a fresh file becomes a WAL database in one rollback-journal write,
    // which FULL (the default) syncs once more than NORMAL does.
    db.pragma('synchronous = NORMAL');
    db.pragma('journal_mode = WAL');
  }
  db.pragma('foreign_keys = ON');
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
  const db = openConnection(driver, file, false);
  try {
    checkVersion(db, file);
    migrate(db);
  } catch (err) {
    db.close();
    throw err;
  }
  if (!readonly) return db;
  db.close();
  return openConnection(driver, file, true);
}
