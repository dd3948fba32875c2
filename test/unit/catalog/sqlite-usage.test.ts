/**
 * The running quota totals (migration 4) against a full recount: whatever mix of claims,
 * completions, failures, expired leases, reconciliation, soft deletes and purges ran, the
 * quota a user sees is exactly what summing their rows gives.
 */
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { MIGRATIONS } from '../../../src/catalog/migrations.js';
import { CATALOG_FILE, openSqliteCatalog } from '../../../src/catalog/sqlite.js';
import type { Catalog } from '../../../src/catalog/types.js';
import { CLAIM_T0, claimInputFrom } from '../../helpers/catalog.js';

const dirs: string[] = [];
afterEach(async () => {
  for (const dir of dirs.splice(0)) await fs.rm(dir, { recursive: true, force: true });
});

async function tempDir(): Promise<string> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'exai-usage-'));
  dirs.push(dir);
  return dir;
}

/** The pre-migration-4 way: sum every row of the user. */
function recount(file: string, userId: string, now: number): { usedBytes: number; activeFiles: number; uploadingFiles: number } {
  const db = new Database(file, { readonly: true });
  try {
    return db
      .prepare(
        `SELECT COALESCE(SUM(size_bytes), 0) AS usedBytes, COALESCE(SUM(status = 'active'), 0) AS activeFiles,
           COALESCE(SUM(status = 'uploading'), 0) AS uploadingFiles
         FROM files WHERE user_id = ? AND (status = 'active' OR (status = 'uploading' AND lease_expires_at > ?))`,
      )
      .get(userId, now) as { usedBytes: number; activeFiles: number; uploadingFiles: number };
  } finally {
    db.close();
  }
}

/** A small deterministic PRNG (mulberry32): the same mix on every run. */
function random(seed: number): (n: number) => number {
  let a = seed;
  return (n) => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return Math.floor((((t ^ (t >>> 14)) >>> 0) / 4294967296) * n);
  };
}

const USERS = ['alice', 'bob'];
const QUOTA = 8_000;

/** One random catalog operation at time `now`; returns 'ok' or the name of an expected refusal. */
async function step(catalog: Catalog, pick: (n: number) => number, now: number, i: number): Promise<string> {
  const userId = USERS[pick(USERS.length)]!;
  const rows = await catalog.list({ userId });
  const any = rows[pick(Math.max(rows.length, 1))];
  const op = pick(7);
  const input = claimInputFrom({ quotaBytes: QUOTA, now, userId });
  try {
    if (op <= 1 || any === undefined) await catalog.claim(input({ sha256: (i % 97).toString(16).padStart(64, '0'), sizeBytes: 100 + pick(3000), leaseMs: 1000 + pick(5000) }));
    else if (op === 2) await catalog.complete(any.id, `file-${i}`, now);
    else if (op === 3) await catalog.fail(any.id, 'boom', now);
    else if (op === 4) await catalog.markDeleted(any.id, 'user', now);
    else if (op === 5) await catalog.purgeFailed(pick(2) ? userId : undefined, now - pick(5000));
    else await catalog.reconcileExpired(now);
    return 'ok';
  } catch (err) {
    if (!['QUOTA_EXCEEDED', 'CATALOG_ERROR'].includes((err as Error).name)) throw err;
    return (err as Error).name;
  }
}

describe('SQLite running quota totals', () => {
  it('equal a full recount after a random mix of claim/complete/fail/expire/delete/purge/reconcile', async () => {
    const dir = await tempDir();
    let now = CLAIM_T0;
    const catalog = await openSqliteCatalog({ dir, now: () => now });
    const pick = random(42);
    const outcomes = new Set<string>();
    try {
      for (let i = 0; i < 400; i++) {
        now += pick(1500); // leases of 1-6 s run out as time moves on
        outcomes.add(await step(catalog, pick, now, i));
        for (const userId of USERS) expect(await catalog.usage(userId)).toEqual(recount(path.join(dir, CATALOG_FILE), userId, now));
      }
      // The mix did reach the quota and did complete into expired claims.
      expect([...outcomes].sort()).toEqual(['CATALOG_ERROR', 'QUOTA_EXCEEDED', 'ok']);
      const used = await catalog.usage('alice');
      expect(used.usedBytes).toBeGreaterThan(0);
      expect(used.usedBytes).toBeLessThanOrEqual(QUOTA);
    } finally {
      await catalog.close();
    }
  });

  it('are filled from the rows already there when an older catalog is migrated', async () => {
    const dir = await tempDir();
    const file = path.join(dir, CATALOG_FILE);
    const db = new Database(file);
    for (const m of MIGRATIONS.filter((x) => x.version <= 3)) db.exec(m.sql);
    db.pragma('user_version = 3');
    const insert = db.prepare(
      `INSERT INTO files (id, user_id, provider, purpose, sha256, size_bytes, mime_type, original_name, status, lease_expires_at, created_at, updated_at)
       VALUES (?, 'alice', 'kimi', 'file-extract', ?, ?, 'text/plain', 'a.txt', ?, ?, 1, 1)`,
    );
    insert.run('1', 'a'.repeat(64), 100, 'active', null);
    insert.run('2', 'b'.repeat(64), 20, 'uploading', CLAIM_T0 + 1);
    insert.run('3', 'c'.repeat(64), 3, 'uploading', CLAIM_T0 - 1); // expired: holds nothing
    insert.run('4', 'd'.repeat(64), 4000, 'failed', null);
    insert.run('5', 'e'.repeat(64), 5000, 'deleted', null);
    db.close();
    const catalog = await openSqliteCatalog({ dir, now: () => CLAIM_T0 });
    try {
      expect(await catalog.usage('alice')).toEqual({ usedBytes: 120, activeFiles: 1, uploadingFiles: 1 });
      expect(await catalog.usage('nobody')).toEqual({ usedBytes: 0, activeFiles: 0, uploadingFiles: 0 });
      // A row removed by hand (not through the catalog) gives its bytes back too.
      const raw = new Database(file);
      raw.prepare(`DELETE FROM files WHERE id = '1'`).run();
      raw.close();
      expect(await catalog.usage('alice')).toEqual({ usedBytes: 20, activeFiles: 0, uploadingFiles: 1 });
    } finally {
      await catalog.close();
    }
  });
});
