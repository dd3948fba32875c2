/**
 * Operator (gc) functions on a real PostgreSQL: callable with the service role only, and
 * across all users; a user session can neither call them nor change its own limits.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { activeRow, claim, claimArgs, expireLease, quotaState, type FileJson } from '../helpers/pg-catalog.js';
import { ANON, SERVICE, openTestDb, user, type TestDb } from '../helpers/pg-request.js';
import { findTestPg } from '../helpers/pg.js';

const target = await findTestPg();

describe.skipIf(!target.ok)('shared catalog: operator functions', () => {
  let db: TestDb;
  let alice: string;
  let bob: string;
  beforeAll(async () => {
    db = await openTestDb();
    alice = await db.addUser();
    bob = await db.addUser();
  });
  afterAll(async () => {
    await db?.close();
  });

  const ADMIN_CALLS: Array<[string, () => Record<string, unknown>]> = [
    ['exai_admin_list', () => ({})],
    ['exai_admin_reconcile_expired', () => ({})],
    ['exai_admin_purge_failed', () => ({ p_before: new Date().toISOString() })],
    ['exai_admin_mark_deleted', () => ({ p_id: '00000000-0000-0000-0000-000000000000', p_reason: 'orphan' })],
    ['exai_admin_set_quota', () => ({ p_user_id: alice, p_quota_bytes: 1e15 })],
  ];

  it('refuses every operator function to a signed-in user and to anon', async () => {
    for (const caller of [user(alice), ANON]) {
      for (const [fn, args] of ADMIN_CALLS) {
        await expect(db.rpc(caller, fn, args()), `${caller.role} ${fn}`).rejects.toMatchObject({ code: '42501' });
      }
    }
    expect((await quotaState(db, alice)).quota).not.toBe(1e15);
  });

  it('refuses the user functions to the service role (it has no user to act for)', async () => {
    await expect(db.rpc(SERVICE, 'exai_claim', claimArgs())).rejects.toMatchObject({ code: '42501' });
    await expect(db.rpc(SERVICE, 'exai_usage')).rejects.toMatchObject({ code: '42501' });
  });

  it('offers a user no way to raise their own quota', async () => {
    const { rows } = await db.admin.query<{ proname: string; args: string }>(
      `SELECT p.proname, pg_get_function_identity_arguments(p.oid) AS args FROM pg_proc p
         JOIN pg_namespace n ON n.oid = p.pronamespace
        WHERE n.nspname = 'public' AND has_function_privilege('authenticated', p.oid, 'EXECUTE')`,
    );
    expect(rows.map((r) => r.proname).sort()).toEqual([
      'exai_claim', 'exai_complete', 'exai_fail', 'exai_find_by_ref', 'exai_gc_lock_acquire', 'exai_gc_lock_clear', 'exai_gc_lock_release', 'exai_gc_lock_renew', 'exai_gc_lock_status', 'exai_list', 'exai_mark_deleted',
      'exai_purge_failed', 'exai_reconcile_expired', 'exai_renew_lease', 'exai_usage',
    ]);
    for (const r of rows) expect(r.args, r.proname).not.toMatch(/quota|max_file_size|user_id/);
  });

  it('lists, reconciles and deletes across users with the service role', async () => {
    const a = await activeRow(db, alice, claimArgs({ size: 10 }));
    const b = await claim(db, bob, claimArgs({ size: 20 }));
    await expireLease(db, b.record.id);

    const listed = await db.rpc<FileJson>(SERVICE, 'exai_admin_list', { p_limit: 100 });
    expect(listed.map((r) => r.id)).toEqual(expect.arrayContaining([a.id, b.record.id]));
    const reconciled = await db.rpc<FileJson>(SERVICE, 'exai_admin_reconcile_expired');
    expect(reconciled.map((r) => r.id)).toEqual([b.record.id]);
    expect((await quotaState(db, bob)).used).toBe(0);

    const [deleted] = await db.rpc<FileJson>(SERVICE, 'exai_admin_mark_deleted', { p_id: a.id, p_reason: 'retention' });
    expect(deleted).toMatchObject({ status: 'deleted', deletion_reason: 'retention' });
    expect(await quotaState(db, alice)).toMatchObject({ used: 0, live: 0 });
  });

  it('purges failed rows older than the cut-off, for one user or all', async () => {
    const c = await claim(db, bob, claimArgs());
    await db.rpc(user(bob), 'exai_fail', { p_id: c.record.id, p_error: 'provider said 400' });
    const before = new Date(Date.now() + 60_000).toISOString();
    const [onlyAlice] = await db.rpc<{ exai_admin_purge_failed: string }>(SERVICE, 'exai_admin_purge_failed', { p_before: before, p_user_id: alice });
    expect(Number(onlyAlice!.exai_admin_purge_failed)).toBe(0);
    const [all] = await db.rpc<{ exai_admin_purge_failed: string }>(SERVICE, 'exai_admin_purge_failed', { p_before: before });
    expect(Number(all!.exai_admin_purge_failed)).toBeGreaterThanOrEqual(2);
    const left = await db.admin.query(`SELECT 1 FROM public.files WHERE status = 'failed'`);
    expect(left.rowCount).toBe(0);
  });

  it("lets the operator set a user's quota", async () => {
    await db.rpc(SERVICE, 'exai_admin_set_quota', { p_user_id: bob, p_quota_bytes: 5, p_max_file_size: 5 });
    await expect(claim(db, bob, claimArgs({ size: 6 }))).rejects.toMatchObject({ code: 'EXQ02' });
    await db.rpc(SERVICE, 'exai_admin_set_quota', { p_user_id: bob, p_max_file_size: 100 });
    await expect(claim(db, bob, claimArgs({ size: 6 }))).rejects.toMatchObject({ code: 'EXQ01' });
  });
});
