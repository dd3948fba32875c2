/**
 * Every catalog function racing every other, on a real PostgreSQL: no deadlock, no lost
 * update, and used_bytes still equals the bytes of the live rows afterwards.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { activeRow, barrier, claim, claimArgs, claimIn, expireLease, hashOf, quotaState, type ClaimJson } from '../helpers/pg-catalog.js';
import { SERVICE, openTestDb, rpcSql, user, type Caller, type TestDb } from '../helpers/pg-request.js';
import { findTestPg } from '../helpers/pg.js';

const target = await findTestPg();

type Op = [Caller, string, Record<string, unknown>];

describe.skipIf(!target.ok)('shared catalog: all functions racing', () => {
  let db: TestDb;
  beforeAll(async () => {
    db = await openTestDb();
  });
  afterAll(async () => {
    await db?.close();
  });

  /** Run each op in its own request, all released at one instant; returns the errors. */
  async function race(ops: Op[]): Promise<unknown[]> {
    const ready = barrier(ops.length);
    const results = await Promise.allSettled(
      ops.map(([caller, fn, args]) =>
        db.request(caller, async (c) => {
          await ready();
          const { text, values } = rpcSql(fn, args);
          return fn === 'exai_claim' ? claimIn(c, args) : (await c.query(text, values)).rows;
        }),
      ),
    );
    return results.flatMap((r) => (r.status === 'rejected' ? [r.reason] : []));
  }

  it('runs claims, completes, fails, deletes, renewals and reconciliations of two users at once without deadlock', async () => {
    const users = [await db.addUser(), await db.addUser()];
    const ops: Op[] = [];
    for (const uid of users) {
      const claims: ClaimJson[] = [];
      for (let i = 0; i < 4; i += 1) claims.push(await claim(db, uid, claimArgs({ size: 100 + i })));
      const active = [await activeRow(db, uid), await activeRow(db, uid)];
      await expireLease(db, claims[3]!.record.id);
      const gen = (k: number) => ({ p_id: claims[k]!.record.id, p_lock_generation: claims[k]!.record.lock_generation });
      ops.push(
        [user(uid), 'exai_complete', { ...gen(0), p_provider_file_id: 'file-a' }],
        [user(uid), 'exai_fail', { ...gen(1), p_error: 'provider said 500' }],
        [user(uid), 'exai_renew_lease', { ...gen(2), p_lease_ms: 60_000 }],
        [user(uid), 'exai_mark_deleted', { p_id: active[0]!.id }],
        [user(uid), 'exai_mark_deleted', { p_id: active[1]!.id, p_reason: 'retention' }],
        [user(uid), 'exai_reconcile_expired', {}],
        [user(uid), 'exai_usage', {}],
        [user(uid), 'exai_claim', claimArgs({ sha256: hashOf(`${uid}-new-1`) })],
        [user(uid), 'exai_claim', claimArgs({ sha256: hashOf(`${uid}-new-2`) })],
        [SERVICE, 'exai_admin_mark_deleted', { p_id: claims[0]!.record.id, p_reason: 'orphan' }],
      );
    }
    ops.push([SERVICE, 'exai_admin_reconcile_expired', {}], [SERVICE, 'exai_admin_purge_failed', { p_before: new Date(0).toISOString() }]);

    const errors = await race(ops);
    // Only fencing may refuse (complete vs the operator's delete of the same claim).
    for (const e of errors) expect(e).toMatchObject({ code: 'EXL01' });
    for (const uid of users) {
      const state = await quotaState(db, uid);
      expect(state.used).toBe(state.live);
    }
  });

  it('keeps the quota when the operator reconciles while the user claims', async () => {
    const uid = await db.addUser();
    await db.admin.query('SELECT public.exai_admin_set_quota($1, 500)', [uid]);
    for (let i = 0; i < 3; i += 1) await expireLease(db, (await claim(db, uid, claimArgs({ size: 100 }))).record.id);
    const ops: Op[] = [[SERVICE, 'exai_admin_reconcile_expired', {}]];
    for (let i = 0; i < 8; i += 1) ops.push([user(uid), 'exai_claim', claimArgs({ sha256: hashOf(`${uid}-${i}`), size: 100 })]);
    const errors = await race(ops);
    for (const e of errors) expect(e).toMatchObject({ code: 'EXQ01' });
    expect(await quotaState(db, uid)).toEqual({ used: 500, quota: 500, live: 500 });
    expect(errors).toHaveLength(3);
  });
});
