/**
 * The gc lock seen and cleared by hand (migration 20261130150000): doctor's status, and
 * `exai unlock`'s clear, which removes a lock whose lease ran out, a live one only when forced,
 * only the generation it was shown, and only in the caller's own scope.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ANON, SERVICE, openTestDb, user, type Caller, type TestDb } from '../helpers/pg-request.js';
import { findTestPg } from '../helpers/pg.js';

const target = await findTestPg();

type Answer = Record<string, unknown> & { generation?: number };

describe.skipIf(!target.ok)('shared catalog: clearing the gc lock', () => {
  let db: TestDb;
  let alice: string;
  let bob: string;
  beforeAll(async () => {
    db = await openTestDb();
    alice = await db.addUser();
    bob = await db.addUser();
  });
  afterEach(async () => {
    await db?.admin.query('DELETE FROM exai_private.gc_locks');
  });
  afterAll(async () => {
    await db?.close();
  });

  const holder = { pid: 4242, hostname: 'runner-1', user: 'ci', command: 'gc', started: '2026-11-30T12:00:00.000Z' };
  async function call(caller: Caller, fn: string, args: Record<string, unknown> = {}): Promise<Answer> {
    const [row] = await db.rpc<Record<string, Answer>>(caller, fn, args);
    return row![fn]!;
  }
  const acquire = (caller: Caller) => call(caller, 'exai_gc_lock_acquire', { p_holder: JSON.stringify(holder), p_lease_ms: 60_000 });
  const expire = (scope: string) => db.admin.query(`UPDATE exai_private.gc_locks SET expires_at = now() - interval '1 second' WHERE scope = $1`, [scope]);
  const rows = async () => (await db.admin.query('SELECT scope FROM exai_private.gc_locks ORDER BY scope')).rows.map((r: { scope: string }) => r.scope);

  it('status says whether the lock is held, by whom, since when, and whether its lease is live', async () => {
    expect(await call(SERVICE, 'exai_gc_lock_status')).toEqual({ held: false });
    const got = await acquire(SERVICE);
    const live = await call(SERVICE, 'exai_gc_lock_status');
    expect(live).toMatchObject({ held: true, live: true, generation: got.generation, holder });
    expect(Date.parse(live['since'] as string)).toBeGreaterThan(0);
    await expire('all-users');
    expect(await call(SERVICE, 'exai_gc_lock_status')).toMatchObject({ held: true, live: false });
    // A user sees their own scope only: the operator's lock is not theirs to see.
    expect(await call(user(alice), 'exai_gc_lock_status')).toEqual({ held: false });
  });

  it('a live lock is kept unless forced; one whose lease ran out is cleared; the next gc then acquires at once', async () => {
    const got = await acquire(SERVICE);
    expect(await call(SERVICE, 'exai_gc_lock_clear')).toMatchObject({ cleared: false, held: true, live: true, generation: got.generation, holder });
    expect(await rows()).toEqual(['all-users']);
    await expire('all-users');
    expect(await call(SERVICE, 'exai_gc_lock_clear', { p_generation: got.generation })).toMatchObject({ cleared: true, live: false, holder });
    expect(await rows()).toEqual([]);
    expect(await call(SERVICE, 'exai_gc_lock_clear')).toMatchObject({ cleared: false, held: false });
    const next = await acquire(SERVICE);
    expect(next).toMatchObject({ acquired: true, took_over: false });
    expect(await call(SERVICE, 'exai_gc_lock_clear', { p_force: true })).toMatchObject({ cleared: true, live: true });
    // The forced-out holder's renew now fails (it stops renewing) and its release is a no-op.
    await expect(db.rpc(SERVICE, 'exai_gc_lock_renew', { p_generation: next.generation, p_lease_ms: 60_000 })).rejects.toMatchObject({ code: 'EXL01' });
  });

  it('clears only the generation it was shown: a gc that took over in between is kept', async () => {
    const dead = await acquire(SERVICE);
    await expire('all-users');
    const successor = await acquire(SERVICE);
    expect(await call(SERVICE, 'exai_gc_lock_clear', { p_generation: dead.generation, p_force: true })).toMatchObject({ cleared: false, held: true, generation: successor.generation });
    expect(await rows()).toEqual(['all-users']);
  });

  it('hostile: anon cannot call it; a user clears only their own scope, never the operator’s or another user’s', async () => {
    await expect(db.rpc(ANON, 'exai_gc_lock_status', {})).rejects.toMatchObject({ code: '42501' });
    await expect(db.rpc(ANON, 'exai_gc_lock_clear', { p_force: true })).rejects.toMatchObject({ code: '42501' });
    const op = await acquire(SERVICE);
    const bobs = await acquire(user(bob));
    expect(await call(user(alice), 'exai_gc_lock_clear', { p_force: true })).toMatchObject({ cleared: false, held: false });
    expect(await call(user(alice), 'exai_gc_lock_clear', { p_generation: op.generation, p_force: true })).toMatchObject({ cleared: false, held: false });
    expect(await call(user(alice), 'exai_gc_lock_clear', { p_generation: bobs.generation, p_force: true })).toMatchObject({ cleared: false });
    expect(await rows()).toEqual(['all-users', `user:${bob}`]);
    // Bob clears his own live lock with force; the operator's stays.
    expect(await call(user(bob), 'exai_gc_lock_clear', { p_force: true })).toMatchObject({ cleared: true });
    expect(await rows()).toEqual(['all-users']);
  });
});
