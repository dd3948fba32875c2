/**
 * Switching a fresh SQLite file to WAL when other processes open it at the same instant.
 *
 * `PRAGMA journal_mode = WAL` on a rollback-journal file first takes a read lock, then
 * upgrades it to write the header. SQLite never calls the busy handler for a read-to-write
 * upgrade (waiting could deadlock two upgraders), so when another opener holds the write
 * lock for its own switch the PRAGMA fails with SQLITE_BUSY at once, whatever busy_timeout
 * says. The other opener finishes in microseconds once we let go: retry, briefly, ourselves.
 */
import type Database from 'better-sqlite3';
import { setTimeout as sleep } from 'node:timers/promises';

/** Retry delays (ms): short first, since the competing switch is one small write. */
const DELAYS = [1, 2, 5, 10, 20, 50];

function isBusy(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' && code.startsWith('SQLITE_BUSY');
}

/**
 * Put `db` in WAL mode, retrying SQLITE_BUSY for up to `timeoutMs` (the connection's
 * busy_timeout, so the caller's patience is the same as for any other lock); the last
 * error is thrown once that has passed. Returns the journal mode SQLite reports.
 */
export async function enableWal(db: Database.Database, timeoutMs: number, now: () => number = Date.now): Promise<string> {
  const deadline = now() + timeoutMs;
  for (let attempt = 0; ; attempt++) {
    try {
      return db.pragma('journal_mode = WAL', { simple: true }) as string;
    } catch (err) {
      if (!isBusy(err) || now() >= deadline) throw err;
    }
    await sleep(DELAYS[Math.min(attempt, DELAYS.length - 1)]);
  }
}
