/**
 * The gc lock in the database (migration 20261130140100), for gc runs on different machines
 * against one project: one holder per scope, a fencing generation, takeover only after the
 * lease ran out, and scopes the server decides (operator, or each user) so nobody can hold up
 * someone else's gc.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ANON, SERVICE, openTestDb, user, type Caller, type TestDb } from '../helpers/pg-request.js';
import { findTestPg } from '../helpers/pg.js';

const target = await findTestPg();

interface Acquired {
  acquired: boolean;
  generation?: number;
  took_over?: boolean;
  holder?: Record<string, unknown>;
  since?: string;
}

describe.skipIf(!target.ok)('shared catalog: the gc lock', () => {
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

  const holder = (host: string) => ({ pid: 4242, hostname: host, user: 'ci', command: 'gc', started: '2026-11-30T12:00:00.000Z' });
  async function acquire(caller: Caller, host: string, leaseMs = 60_000): Promise<Acquired> {
    const [row] = await db.rpc<{ exai_gc_lock_acquire: Acquired }>(caller, 'exai_gc_lock_acquire', { p_holder: JSON.stringify(holder(host)), p_lease_ms: leaseMs });
    return row!.exai_gc_lock_acquire;
  }
  const expire = (scope: string) => db.admin.query(`UPDATE exai_private.gc_locks SET expires_at = now() - interval '1 second' WHERE scope = $1`, [scope]);
  const renew = (caller: Caller, generation: number) => db.rpc(caller, 'exai_gc_lock_renew', { p_generation: generation, p_lease_ms: 60_000 });
  const release = async (caller: Caller, generation: number) =>
    (await db.rpc<{ exai_gc_lock_release: boolean }>(caller, 'exai_gc_lock_release', { p_generation: generation }))[0]!.exai_gc_lock_release;

  it('one operator gc at a time: the second sees the holder; a user has a scope of their own', async () => {
    const first = await acquire(SERVICE, 'runner-1');
    expect(first).toMatchObject({ acquired: true, took_over: false });
    const second = await acquire(SERVICE, 'runner-2');
    expect(second).toMatchObject({ acquired: false, holder: holder('runner-1') });
    expect(Date.parse(second.since!)).toBeGreaterThan(0);
    expect(await acquire(user(alice), 'laptop')).toMatchObject({ acquired: true });
    expect(await acquire(user(bob), 'laptop')).toMatchObject({ acquired: true });
    expect(await acquire(user(alice), 'other')).toMatchObject({ acquired: false });
    expect(await release(SERVICE, first.generation!)).toBe(true);
    await db.admin.query('DELETE FROM exai_private.gc_locks');
  });

  it('a holder whose lease ran out (killed -9) is taken over with a larger generation; its renew and release then fail', async () => {
    const dead = await acquire(SERVICE, 'runner-1');
    await expire('all-users');
    const next = await acquire(SERVICE, 'runner-2');
    expect(next).toMatchObject({ acquired: true, took_over: true });
    expect(next.generation!).toBeGreaterThan(dead.generation!);
    await expect(renew(SERVICE, dead.generation!)).rejects.toMatchObject({ code: 'EXL01' });
    expect(await release(SERVICE, dead.generation!)).toBe(false);
    await renew(SERVICE, next.generation!);
    expect(await acquire(SERVICE, 'runner-3')).toMatchObject({ acquired: false, holder: { hostname: 'runner-2' } });
    expect(await release(SERVICE, next.generation!)).toBe(true);
  });

  it('of many machines racing for a free lock exactly one gets it', async () => {
    const results = await Promise.all(Array.from({ length: 8 }, (_, i) => acquire(SERVICE, `racer-${i}`)));
    expect(results.filter((r) => r.acquired)).toHaveLength(1);
    await db.admin.query('DELETE FROM exai_private.gc_locks');
  });

  it('hostile: anon cannot call it, a user cannot renew or release the operator lock, and the holder is size-capped', async () => {
    await expect(db.rpc(ANON, 'exai_gc_lock_acquire', { p_holder: '{}' })).rejects.toMatchObject({ code: '42501' });
    const op = await acquire(SERVICE, 'runner-1');
    // Alice's calls act on her own scope only, whatever generation she guesses.
    await expect(renew(user(alice), op.generation!)).rejects.toMatchObject({ code: 'EXL01' });
    expect(await release(user(alice), op.generation!)).toBe(false);
    expect(await acquire(SERVICE, 'runner-2')).toMatchObject({ acquired: false });
    const big = JSON.stringify({ pad: 'x'.repeat(2000) });
    await expect(db.rpc(user(alice), 'exai_gc_lock_acquire', { p_holder: big })).rejects.toMatchObject({ code: '22023' });
    await expect(db.rpc(user(alice), 'exai_gc_lock_acquire', { p_holder: '[1]' })).rejects.toMatchObject({ code: '22023' });
    await expect(db.rpc(user(alice), 'exai_gc_lock_acquire', { p_holder: '{}' }).then(() => db.admin.query(`SELECT 1 FROM exai_private.gc_locks WHERE scope = 'all-users' AND generation = $1`, [op.generation]))).resolves.toMatchObject({ rowCount: 1 });
    await db.admin.query('DELETE FROM exai_private.gc_locks');
  });
});
