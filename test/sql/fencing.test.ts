/**
 * Fencing (contract.md §1-3) on a real PostgreSQL: every write that depends on holding a
 * claim is a compare-and-set on (id, lock_generation); a stale holder gets EXL01 and changes
 * nothing; a crashed claim is offered back as `abandoned` for adoption.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { claim, claimArgs, expireLease, hashOf, quotaState, type FileJson } from '../helpers/pg-catalog.js';
import { openTestDb, user, type TestDb } from '../helpers/pg-request.js';
import { findTestPg } from '../helpers/pg.js';

const target = await findTestPg();

describe.skipIf(!target.ok)('shared catalog: fencing tokens and adoption', () => {
  let db: TestDb;
  let uid: string;
  beforeAll(async () => {
    db = await openTestDb();
    uid = await db.addUser();
  });
  afterAll(async () => {
    await db?.close();
  });

  const rowOf = async (id: string): Promise<Record<string, unknown>> =>
    (await db.admin.query('SELECT * FROM public.files WHERE id = $1', [id])).rows[0];

  it('issues a new, larger generation for every claim', async () => {
    const a = await claim(db, uid);
    const b = await claim(db, uid);
    expect(a.record.lock_generation).toEqual(expect.any(Number));
    expect(b.record.lock_generation!).toBeGreaterThan(a.record.lock_generation!);
  });

  it('refuses complete, fail and renew with a wrong generation, and changes nothing', async () => {
    const c = await claim(db, uid);
    const before = await rowOf(c.record.id);
    const wrong = c.record.lock_generation! + 1000;
    const writes: Array<[string, Record<string, unknown>]> = [
      ['exai_complete', { p_id: c.record.id, p_provider_file_id: 'file-x', p_lock_generation: wrong }],
      ['exai_fail', { p_id: c.record.id, p_error: 'abandoned by a stalled run', p_lock_generation: wrong }],
      ['exai_renew_lease', { p_id: c.record.id, p_lease_ms: 600_000, p_lock_generation: wrong }],
    ];
    for (const [fn, args] of writes) {
      await expect(db.rpc(user(uid), fn, args), fn).rejects.toMatchObject({ code: 'EXL01' });
    }
    expect(await rowOf(c.record.id)).toEqual(before);
  });

  it('fences off a stalled holder once its claim was reconciled and taken over', async () => {
    const sha256 = hashOf('stalled');
    const stalled = await claim(db, uid, claimArgs({ sha256 }));
    await expireLease(db, stalled.record.id);
    const fresh = await claim(db, uid, claimArgs({ sha256 }));
    expect(fresh.kind).toBe('claimed');

    // The stalled run wakes up and tries to finish or fail with its old token.
    const old = { p_id: stalled.record.id, p_lock_generation: stalled.record.lock_generation };
    await expect(db.rpc(user(uid), 'exai_complete', { ...old, p_provider_file_id: 'file-old' })).rejects.toMatchObject({ code: 'EXL01' });
    await expect(db.rpc(user(uid), 'exai_fail', { ...old, p_error: 'abandoned' })).rejects.toMatchObject({ code: 'EXL01' });
    // Its stale token is no good on the new row either.
    await expect(
      db.rpc(user(uid), 'exai_complete', { p_id: fresh.record.id, p_provider_file_id: 'file-old', p_lock_generation: stalled.record.lock_generation }),
    ).rejects.toMatchObject({ code: 'EXL01' });

    const [done] = await db.rpc<FileJson>(user(uid), 'exai_complete', {
      p_id: fresh.record.id, p_provider_file_id: 'file-new', p_lock_generation: fresh.record.lock_generation,
    });
    expect(done).toMatchObject({ status: 'active', provider_file_id: 'file-new' });
    const state = await quotaState(db, uid);
    expect(state.used).toBe(state.live);
  });

  it('offers the claim it just reconciled as abandoned, for adoption', async () => {
    const sha256 = hashOf('crashed-after-send');
    const crashed = await claim(db, uid, claimArgs({ sha256 }));
    await expireLease(db, crashed.record.id);
    const next = await claim(db, uid, claimArgs({ sha256 }));
    expect(next.kind).toBe('claimed');
    expect(next.abandoned).toMatchObject({ id: crashed.record.id, status: 'failed', provider_file_id: null });
    expect(next.abandoned!.error).toMatch(/^lease expired/);
  });

  it('does not offer a row that failed for another reason, or one that has a provider id', async () => {
    const sha256 = hashOf('failed-normally');
    const c = await claim(db, uid, claimArgs({ sha256 }));
    await db.rpc(user(uid), 'exai_fail', { p_id: c.record.id, p_error: 'provider said 400', p_lock_generation: c.record.lock_generation });
    expect((await claim(db, uid, claimArgs({ sha256 }))).abandoned).toBeNull();
  });

  it('does not offer an abandoned claim older than 24 hours', async () => {
    const sha256 = hashOf('old-crash');
    const c = await claim(db, uid, claimArgs({ sha256 }));
    await db.rpc(user(uid), 'exai_fail', { p_id: c.record.id, p_error: 'abandoned: lease lost', p_lock_generation: c.record.lock_generation });
    await db.admin.query(`UPDATE public.files SET created_at = now() - interval '25 hours' WHERE id = $1`, [c.record.id]);
    expect((await claim(db, uid, claimArgs({ sha256 }))).abandoned).toBeNull();
  });

  it('treats fail without a generation on a finished row as a no-op (error paths call it)', async () => {
    const c = await claim(db, uid);
    await db.rpc(user(uid), 'exai_complete', { p_id: c.record.id, p_provider_file_id: 'file-ok', p_lock_generation: c.record.lock_generation });
    await db.rpc(user(uid), 'exai_fail', { p_id: c.record.id, p_error: 'late' });
    expect(await rowOf(c.record.id)).toMatchObject({ status: 'active', provider_file_id: 'file-ok' });
  });

  it('replaces a pending hash on complete, but never a real one', async () => {
    const pending = await claim(db, uid, claimArgs({ sha256: 'pending:7d3c1f0e-1111-4222-8333-944455556666', size: 12345 }));
    const real = hashOf('hashed-while-uploading');
    const [done] = await db.rpc<FileJson>(user(uid), 'exai_complete', {
      p_id: pending.record.id, p_provider_file_id: 'file-p', p_lock_generation: pending.record.lock_generation, p_sha256: real.toUpperCase(),
    });
    expect(done!.sha256).toBe(real);

    const c = await claim(db, uid);
    await expect(
      db.rpc(user(uid), 'exai_complete', { p_id: c.record.id, p_provider_file_id: 'f', p_lock_generation: c.record.lock_generation, p_sha256: hashOf('other') }),
    ).rejects.toMatchObject({ code: '22023' });
  });

  it('keeps pending and real claims of one size apart', async () => {
    const size = 777_777;
    const live = await claim(db, uid, claimArgs({ size }));
    const pending = await claim(db, uid, claimArgs({ sha256: 'pending:0b5e2a44-aaaa-4bbb-8ccc-ddddeeeeffff', size }));
    expect(pending).toMatchObject({ kind: 'size-taken', record: { id: live.record.id } });

    const size2 = 888_888;
    const p2 = await claim(db, uid, claimArgs({ sha256: 'pending:1b5e2a44-aaaa-4bbb-8ccc-ddddeeeeffff', size: size2 }));
    expect(p2.kind).toBe('claimed');
    expect(await claim(db, uid, claimArgs({ size: size2 }))).toMatchObject({ kind: 'busy', record: { id: p2.record.id } });
  });

  it('refuses a storage path outside the user folder and a provider id with control characters', async () => {
    for (const extra of [{ p_storage_path: `${await db.addUser()}/${hashOf('x')}` }, { p_provider_file_id: 'file-\u001b[2J' }]) {
      const c = await claim(db, uid);
      const args = { p_id: c.record.id, p_provider_file_id: 'file-ok', p_lock_generation: c.record.lock_generation, ...extra };
      await expect(db.rpc(user(uid), 'exai_complete', args)).rejects.toMatchObject({ code: '23514' });
    }
  });
});
