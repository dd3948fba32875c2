/**
 * Opening a fresh SQLite file while another opener is switching it to WAL (a SQLITE_BUSY
 * seen under load: the switch's read-to-write upgrade never waits on busy_timeout). The
 * rival here is a second connection holding the write lock of the still rollback-journal
 * file, exactly what a rival exai process holds for a moment during its own switch.
 */
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CATALOG_FILE, openSqliteCatalog } from '../../../src/catalog/sqlite.js';
import { wrapSqliteError } from '../../../src/catalog/sqlite-errors.js';
import { HASH_CACHE_FILE, openHashCache } from '../../../src/core/files/hash-cache.js';
import { openStateStore, STATE_FILE } from '../../../src/core/state/store.js';
import { enableWal } from '../../../src/core/sqlite-wal.js';

let dir: string;
let rival: Database.Database | undefined;
beforeEach(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'exai-sqlite-wal-'));
});
afterEach(async () => {
  if (rival?.open) rival.close();
  rival = undefined;
  await fs.rm(dir, { recursive: true, force: true });
});

/** A fresh (empty, rollback-journal) file whose write lock a rival connection holds. */
async function lockedFreshFile(name: string): Promise<{ file: string; release: () => void }> {
  const file = path.join(dir, name);
  await fs.writeFile(file, '', { mode: 0o600 });
  const db = new Database(file);
  db.exec('BEGIN IMMEDIATE');
  rival = db;
  return { file, release: () => db.exec('COMMIT') };
}

/** Release the rival's lock once the opener has met it (after a few event-loop turns). */
function releaseSoon(release: () => void): void {
  setTimeout(release, 30);
}

describe('opening a fresh SQLite file while a rival holds its write lock', () => {
  it('the bare PRAGMA fails at once whatever busy_timeout says (why enableWal retries)', async () => {
    const { file } = await lockedFreshFile('bare.sqlite');
    const db = new Database(file, { timeout: 10_000 });
    try {
      expect(() => db.pragma('journal_mode = WAL')).toThrow(expect.objectContaining({ code: 'SQLITE_BUSY' }));
    } finally {
      db.close();
    }
  });

  it('enableWal waits for the rival and ends in WAL mode', async () => {
    const { file, release } = await lockedFreshFile('x.sqlite');
    const db = new Database(file);
    try {
      releaseSoon(release);
      await expect(enableWal(db, 10_000)).resolves.toBe('wal');
    } finally {
      db.close();
    }
  });

  it('enableWal gives up with the SQLITE_BUSY once its timeout has passed', async () => {
    const { file } = await lockedFreshFile('y.sqlite');
    const db = new Database(file);
    let clock = 0;
    const now = () => (clock += 1_000);
    try {
      await expect(enableWal(db, 3_000, now)).rejects.toMatchObject({ code: 'SQLITE_BUSY' });
    } finally {
      db.close();
    }
  });

  it('the catalog opens, and claims, instead of CATALOG_ERROR SQLITE_BUSY', async () => {
    const { release } = await lockedFreshFile(CATALOG_FILE);
    releaseSoon(release);
    const catalog = await openSqliteCatalog({ dir });
    try {
      const result = await catalog.claim({
        userId: 'alice', provider: 'local', purpose: 'file-extract', sha256: 'a'.repeat(64),
        sizeBytes: 10, mimeType: 'text/plain', originalName: 'a.txt', leaseMs: 60_000, quotaBytes: 1e9, now: Date.now(),
      });
      expect(result.kind).toBe('claimed');
    } finally {
      await catalog.close();
    }
  });

  it('the state store and the hash cache open too', async () => {
    const state = await lockedFreshFile(STATE_FILE);
    releaseSoon(state.release);
    const store = await openStateStore(dir);
    store.set('k', 'v');
    expect(store.get('k')).toBe('v');
    store.close();
    rival?.close();

    const cache = await lockedFreshFile(HASH_CACHE_FILE);
    releaseSoon(cache.release);
    const hashCache = await openHashCache(dir);
    expect(hashCache.get({ dev: 1n, ino: 2n, size: 3n, mtimeNs: 4n, ctimeNs: 5n, nlink: 1n })).toBeUndefined();
    hashCache.close();
  });
});

describe('the hint of a busy catalog', () => {
  const busy = Object.assign(new Error('database is locked'), { code: 'SQLITE_BUSY' });

  it('says "locked for over 10 s" only when the call did wait that long', () => {
    const waited = wrapSqliteError(busy, '/d/catalog.sqlite', 'claim', { waitedMs: 10_050, busyTimeoutMs: 10_000 });
    expect(waited.hint).toContain('locked for over 10 s');
    const atOnce = wrapSqliteError(busy, '/d/catalog.sqlite', 'claim', { waitedMs: 2, busyTimeoutMs: 10_000 });
    expect(atOnce.hint).not.toContain('10 s');
    expect(atOnce.hint).toContain('at the same instant');
  });

  it('extended codes (SQLITE_BUSY_SNAPSHOT) get the busy hint, not the generic one', () => {
    const snapshot = Object.assign(new Error('database is locked'), { code: 'SQLITE_BUSY_SNAPSHOT' });
    const error = wrapSqliteError(snapshot, '/d/catalog.sqlite', 'complete', { waitedMs: 1, busyTimeoutMs: 10_000 });
    expect(error.hint).toContain('retry');
    expect(error.details).toMatchObject({ sqlite_code: 'SQLITE_BUSY_SNAPSHOT' });
  });
});
