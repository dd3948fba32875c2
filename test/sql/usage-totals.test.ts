/**
 * The running quota totals in public.user_quotas (used_bytes, active_files, uploading_files)
 * against a full recount of public.files, after a random mix of claims, completions,
 * failures, expired leases, reconciliation, soft deletes and purges — by users and by the
 * operator, several at once — on a real PostgreSQL.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { claim, claimArgs, expireLease, hashOf, setQuota } from '../helpers/pg-catalog.js';
import { openTestDb, SERVICE, user, type TestDb } from '../helpers/pg-request.js';
import { findTestPg } from '../helpers/pg.js';

const target = await findTestPg();

/** Errors a random operation may legitimately meet: quota, lost claim, unknown id, duplicate. */
const EXPECTED = new Set(['EXQ01', 'EXL01', 'EXN01', 'EXD01']);

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

interface Totals {
  used: number;
  active: number;
  uploading: number;
}

describe.skipIf(!target.ok)('shared catalog: running quota totals', () => {
  let db: TestDb;
  beforeAll(async () => {
    db = await openTestDb();
  });
  afterAll(async () => {
    await db?.close();
  });

  const stored = async (uid: string): Promise<Totals> => {
    const { rows } = await db.admin.query(`SELECT used_bytes AS used, active_files AS active, uploading_files AS uploading FROM public.user_quotas WHERE user_id = $1`, [uid]);
    return { used: Number(rows[0].used), active: Number(rows[0].active), uploading: Number(rows[0].uploading) };
  };
  const recount = async (uid: string): Promise<Totals> => {
    const { rows } = await db.admin.query(
      `SELECT coalesce(sum(size_bytes), 0) AS used, count(*) FILTER (WHERE status = 'active') AS active,
              count(*) FILTER (WHERE status = 'uploading') AS uploading
         FROM public.files WHERE user_id = $1 AND status IN ('uploading', 'active')`,
      [uid],
    );
    return { used: Number(rows[0].used), active: Number(rows[0].active), uploading: Number(rows[0].uploading) };
  };
  const anyRow = async (uid: string, pick: (n: number) => number): Promise<{ id: string; gen: number | null } | undefined> => {
    const { rows } = await db.admin.query(`SELECT id, lock_generation AS gen FROM public.files WHERE user_id = $1 ORDER BY created_at, id`, [uid]);
    return rows[pick(Math.max(rows.length, 1))] as { id: string; gen: number | null } | undefined;
  };

  /** One random operation by `uid` or the operator. */
  const operation = async (uid: string, pick: (n: number) => number, i: number): Promise<unknown> => {
    const row = await anyRow(uid, pick);
    const op = pick(9);
    if (op <= 2 || !row) return claim(db, uid, claimArgs({ sha256: hashOf(`mix-${i % 40}`), size: 100 + pick(900) }));
    if (op === 3) return db.rpc(user(uid), 'exai_complete', { p_id: row.id, p_provider_file_id: `file-${i}`, p_lock_generation: row.gen });
    if (op === 4) return db.rpc(user(uid), 'exai_fail', { p_id: row.id, p_error: 'boom', ...(pick(2) ? { p_lock_generation: row.gen } : {}) });
    if (op === 5) return expireLease(db, row.id);
    if (op === 6) return pick(2) ? db.rpc(user(uid), 'exai_mark_deleted', { p_id: row.id }) : db.rpc(SERVICE, 'exai_admin_mark_deleted', { p_id: row.id, p_reason: 'orphan' });
    if (op === 7) return pick(2) ? db.rpc(user(uid), 'exai_purge_failed', { p_before: new Date(Date.now() + 60_000).toISOString() }) : db.rpc(SERVICE, 'exai_admin_purge_failed', { p_before: new Date(Date.now() + 60_000).toISOString() });
    return pick(2) ? db.rpc(user(uid), 'exai_reconcile_expired') : db.rpc(SERVICE, 'exai_admin_reconcile_expired');
  };

  it('equal a full recount after a random mix of claim/complete/fail/expire/delete/purge/reconcile, four at a time', async () => {
    const users = [await db.addUser(), await db.addUser()];
    for (const uid of users) await setQuota(db, uid, 5000);
    const pick = random(7);
    const seen = new Set<string>();
    for (let round = 0; round < 40; round++) {
      const results = await Promise.allSettled(Array.from({ length: 4 }, (_, k) => operation(users[(round + k) % 2]!, pick, round * 4 + k)));
      for (const r of results) {
        if (r.status === 'fulfilled') continue;
        const code = (r.reason as { code?: string }).code ?? String(r.reason);
        if (!EXPECTED.has(code)) throw r.reason;
        seen.add(code);
      }
      for (const uid of users) expect(await stored(uid)).toEqual(await recount(uid));
    }
    expect(seen.has('EXQ01')).toBe(true); // the mix did run into the quota
    for (const uid of users) {
      // exai_usage reconciles first: what it reports is what the live rows hold.
      const [usage] = await db.rpc<{ exai_usage: Record<string, number> }>(user(uid), 'exai_usage');
      const live = await recount(uid);
      expect(usage!.exai_usage).toMatchObject({ used_bytes: live.used, active_files: live.active, uploading_files: live.uploading });
      expect(live.used).toBeLessThanOrEqual(5000);
    }
  });

  it('are filled from the existing rows by the migration that added the counts', async () => {
    const uid = await db.addUser();
    await claim(db, uid, claimArgs({ size: 10 }));
    const done = await claim(db, uid, claimArgs({ size: 200 }));
    await db.rpc(user(uid), 'exai_complete', { p_id: done.record.id, p_provider_file_id: 'file-m' });
    // Undo the counts as if the rows predated the migration, then re-run its backfill.
    await db.admin.query(`UPDATE public.user_quotas SET used_bytes = 0, active_files = 0, uploading_files = 0 WHERE user_id = $1`, [uid]);
    const sql = (await import('node:fs')).readFileSync('supabase/migrations/20261130160000_exai_usage_counters.sql', 'utf8');
    const backfill = sql.slice(sql.indexOf('UPDATE public.user_quotas q'), sql.indexOf('-- One user'));
    await db.admin.query(backfill);
    expect(await stored(uid)).toEqual({ used: 210, active: 1, uploading: 1 });
  });
});
