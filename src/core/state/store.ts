/**
 * exai's own bookkeeping in the state dir: `<state>/state.sqlite` holds when gc last ran and
 * the metric totals that must add up across runs. SQLite, not a JSON file, because two runs
 * ending at once must both have their counts added (one IMMEDIATE transaction per run).
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import type Database from 'better-sqlite3';
import { loadSqliteDriver } from '../sqlite-driver.js';
import { enableWal } from '../sqlite-wal.js';

/** The state database file inside the state dir. */
export const STATE_FILE = 'state.sqlite';

const SCHEMA_VERSION = 1;

/** How long a statement waits for another run's lock (busy_timeout). */
const BUSY_TIMEOUT_MS = 10_000;

const SCHEMA = `
  CREATE TABLE IF NOT EXISTS kv (key TEXT PRIMARY KEY, value TEXT NOT NULL) STRICT;
  CREATE TABLE IF NOT EXISTS metric_totals (
    name TEXT NOT NULL, labels TEXT NOT NULL, value REAL NOT NULL, PRIMARY KEY (name, labels)
  ) STRICT;
`;

/** An open state database. */
export interface StateStore {
  get(key: string): string | undefined;
  set(key: string, value: string): void;
  /** Run `body` in one IMMEDIATE transaction. */
  transaction<T>(body: (db: Database.Database) => T): T;
  close(): void;
}

/** Open (creating 0600 in a 0700 dir) the state database of `stateDir`. */
export async function openStateStore(stateDir: string): Promise<StateStore> {
  await fs.mkdir(stateDir, { recursive: true, mode: 0o700 });
  const file = path.join(stateDir, STATE_FILE);
  const handle = await fs.open(file, 'a', 0o600);
  await handle.close();
  const driver = await loadSqliteDriver();
  // busy_timeout from the open itself, before any statement can meet a lock.
  const db = new driver.Database(file, { ...driver.options, timeout: BUSY_TIMEOUT_MS });
  // Bookkeeping, not the catalog: no fsync (it cost each run ~10 ms at the closing checkpoint).
  // A killed process loses nothing (the OS has the writes); only an OS crash could, and then
  // readers treat an unreadable state as empty (gc simply counts as due).
  db.pragma('synchronous = OFF');
  if ((db.pragma('user_version', { simple: true }) as number) < SCHEMA_VERSION) {
    // Retried by hand: a rival opener's switch fails ours at once (see sqlite-wal.ts).
    await enableWal(db, BUSY_TIMEOUT_MS);
    db.transaction(() => {
      db.exec(SCHEMA);
      db.pragma(`user_version = ${SCHEMA_VERSION}`);
    }).immediate();
  }
  return {
    get: (key) => (db.prepare('SELECT value FROM kv WHERE key = ?').get(key) as { value: string } | undefined)?.value,
    set: (key, value) => void db.prepare('INSERT INTO kv (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value').run(key, value),
    transaction: (body) => db.transaction(() => body(db)).immediate(),
    close: () => db.close(),
  };
}

/** Does the state database exist yet? (Read-only callers skip creating it.) */
export async function stateStoreExists(stateDir: string): Promise<boolean> {
  return fs.stat(path.join(stateDir, STATE_FILE)).then(
    () => true,
    () => false,
  );
}
