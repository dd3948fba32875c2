/**
 * Stat-keyed cache of content facts, so re-validating or re-uploading an unchanged large
 * file costs a stat, not a read. Only the read pass is skipped: a hit still goes through
 * safeOpen, and the identity comes from fstat of the opened handle.
 *
 * The key is (dev, ino, size, mtime_ns, ctime_ns). mtime alone can be forged: anyone who
 * can write the file can set it back with utimes(2) after changing the bytes. ctime can't
 * be set by users: every write, chmod, rename or utimes bumps it to "now", so a changed
 * file misses. (Root changing the clock, or a filesystem without ctime, defeats this; the
 * cache is a hint and never the reason an upload is skipped — the catalog decides that.)
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import type BetterSqlite3 from 'better-sqlite3';
import { loadSqliteDriver } from '../sqlite-driver.js';
import { enableWal } from '../sqlite-wal.js';
import { ExaiError } from '../errors.js';
import { parseRegions } from './read-regions.js';
import type { OtherTextEncoding } from './text-encoding.js';
import type { ContentFacts, FileIdentity } from './types.js';

/** What the cache remembers about a file's content. */
export type HashCacheEntry = ContentFacts & { sha256: string };

/** Content facts keyed by file identity. */
export interface HashCache {
  get(identity: FileIdentity): HashCacheEntry | undefined;
  set(identity: FileIdentity, entry: HashCacheEntry): void;
  /** Drop the entry for this file (an upload found its bytes are not the ones it vouched for). */
  forget?(identity: FileIdentity): void;
  /**
   * A cache opened on first need (lazy-hash-cache.ts) hands back a promise to await before
   * get/set for this file; undefined means go ahead.
   */
  prepare?(identity: FileIdentity): Promise<void> | undefined;
  close(): void;
}

/** File name of the cache inside the state dir. */
export const HASH_CACHE_FILE = 'hash-cache.sqlite';

/** How long a statement waits for another run's lock (busy_timeout): a hint, so shorter. */
const BUSY_TIMEOUT_MS = 5_000;

const SCHEMA = `CREATE TABLE IF NOT EXISTS hash_cache (
  dev TEXT NOT NULL, ino TEXT NOT NULL,
  size TEXT NOT NULL, mtime_ns TEXT NOT NULL, ctime_ns TEXT NOT NULL,
  entry TEXT NOT NULL, updated_at INTEGER NOT NULL,
  PRIMARY KEY (dev, ino)
) WITHOUT ROWID`;

interface Row {
  size: string;
  mtime_ns: string;
  ctime_ns: string;
  entry: string;
}

/** Open (creating if needed) `<stateDir>/hash-cache.sqlite`: WAL, busy timeout, 0600 in a 0700 dir. */
export async function openHashCache(stateDir: string): Promise<HashCache> {
  return openHashCacheFile(await prepareHashCacheFile(stateDir));
}

/** Make the state dir and the cache file (0700, 0600) without opening SQLite; its path. */
export async function prepareHashCacheFile(stateDir: string): Promise<string> {
  const file = path.join(stateDir, HASH_CACHE_FILE);
  try {
    await fs.mkdir(stateDir, { recursive: true, mode: 0o700 });
    // Create the file ourselves so it is never world-readable, even for a moment; SQLite
    // gives the -wal and -shm files the same mode as the database.
    await (await fs.open(file, 'a', 0o600)).close();
    await fs.chmod(file, 0o600);
    return file;
  } catch (error) {
    throw cantOpen(file, error);
  }
}

/** Open a cache file made by prepareHashCacheFile. */
export async function openHashCacheFile(file: string): Promise<HashCache> {
  try {
    const { Database, options } = await loadSqliteDriver();
    // busy_timeout from the open itself, before any statement can meet a lock.
    const db = new Database(file, { ...options, timeout: BUSY_TIMEOUT_MS });
    try {
      // NORMAL may lose the last commits on power loss, never consistency: fine for a hint.
      // Set before WAL, so turning a fresh file into a WAL database syncs once less.
      db.pragma('synchronous = NORMAL');
      // Retried by hand: a rival opener's switch fails ours at once (see sqlite-wal.ts).
      await enableWal(db, BUSY_TIMEOUT_MS);
      return wrap(db);
    } catch (error) {
      db.close();
      throw error;
    }
  } catch (error) {
    throw cantOpen(file, error);
  }
}

function cantOpen(file: string, error: unknown): ExaiError {
  return new ExaiError('CATALOG_ERROR', `The hash cache ${file} can't be opened: ${(error as Error).message}`, {
    path: file,
    cause: error,
    hint: 'it only saves re-reading files: delete it and run again',
  });
}

function wrap(db: BetterSqlite3.Database): HashCache {
  db.exec(SCHEMA);
  // Integers go in as decimal TEXT: inode numbers can pass SQLite's signed 64-bit range.
  const select = db.prepare<[string, string], Row>('SELECT size, mtime_ns, ctime_ns, entry FROM hash_cache WHERE dev = ? AND ino = ?');
  const upsert = db.prepare(
    `INSERT INTO hash_cache (dev, ino, size, mtime_ns, ctime_ns, entry, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)
     ON CONFLICT (dev, ino) DO UPDATE SET size = excluded.size, mtime_ns = excluded.mtime_ns,
       ctime_ns = excluded.ctime_ns, entry = excluded.entry, updated_at = excluded.updated_at`,
  );
  const remove = db.prepare('DELETE FROM hash_cache WHERE dev = ? AND ino = ?');
  return {
    get(identity) {
      const row = select.get(String(identity.dev), String(identity.ino));
      if (row === undefined) return undefined;
      const same =
        row.size === String(identity.size) &&
        row.mtime_ns === String(identity.mtimeNs) &&
        row.ctime_ns === String(identity.ctimeNs);
      return same ? parseEntry(row.entry) : undefined;
    },
    set(identity, entry) {
      const key = [identity.dev, identity.ino, identity.size, identity.mtimeNs, identity.ctimeNs].map(String);
      upsert.run(...key, JSON.stringify({ ...entry, v: ENTRY_VERSION }), Date.now());
    },
    forget(identity) {
      remove.run(String(identity.dev), String(identity.ino));
    },
    close() {
      if (db.open) db.close();
    },
  };
}

// Version 2: containers are judged by their directories (`container`); an older row never
// looked, so it must not stand in for a read. Version 3: the ranges those directories were
// read from (`regions`), which every upload re-checks. An older row may pair a directory's
// verdict with the hash of other bytes (a big file's directory rewritten before an upload
// that re-checked only its head, whose hash was then remembered): it must not be trusted.
// Version 4: weak sniffs need a second witness (MPEG/ADTS a chain of frames, BMP/GIF/JPEG their
// headers: a version 3 row may hold "mp3" for a PhotoCD image), ODF templates are named, and
// text in another encoding is noted.
const ENTRY_VERSION = 4;

function isTextEncoding(value: unknown): value is OtherTextEncoding {
  return value === 'utf-16' || value === 'utf-32' || value === 'legacy-8bit';
}

// A row written by another exai version may lack fields: treat it as a miss, not a crash.
function parseEntry(json: string): HashCacheEntry | undefined {
  try {
    const value = JSON.parse(json) as Partial<HashCacheEntry> & { v?: unknown };
    if (value.v !== ENTRY_VERSION) return undefined;
    if (typeof value.sha256 !== 'string' || !/^[0-9a-f]{64}$/.test(value.sha256)) return undefined;
    if (typeof value.validUtf8 !== 'boolean' || typeof value.hasNul !== 'boolean') return undefined;
    if (typeof value.headIsWholeFile !== 'boolean') return undefined;
    const regions = value.regions === undefined ? undefined : parseRegions(value.regions);
    if (value.regions !== undefined && regions === undefined) return undefined;
    return {
      sha256: value.sha256,
      sniffedMime: value.sniffedMime ?? undefined,
      sniffedExt: value.sniffedExt ?? undefined,
      executable: value.executable ?? undefined,
      validUtf8: value.validUtf8,
      hasNul: value.hasNul,
      markup: value.markup ?? undefined,
      headIsWholeFile: value.headIsWholeFile,
      ...(isTextEncoding(value.textEncoding) ? { textEncoding: value.textEncoding } : {}),
      ...(typeof value.container === 'object' && value.container !== null ? { container: value.container } : {}),
      ...(regions === undefined ? {} : { regions }),
    };
  } catch {
    return undefined;
  }
}
