/**
 * Quota and dedup under concurrency, on a real PostgreSQL: many transactions are opened
 * first and released together (a barrier), so their claims really race in the server.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { activeRow, barrier, claim, claimArgs, claimIn, expireLease, hashOf, quotaState, setQuota, type ClaimJson } from '../helpers/pg-catalog.js';
import { openTestDb, user, type TestDb } from '../helpers/pg-request.js';
import { findTestPg } from '../helpers/pg.js';

const target = await findTestPg();

/** Run `n` claims as `uid` at once; each settles to its result or its error. */
async function racingClaims(db: TestDb, uid: string, argsOf: (i: number) => Record<string, unknown>, n: number) {
  const ready = barrier(n);
  return Promise.allSettled(
    Array.from({ length: n }, (_, i) =>
      db.request(user(uid), async (c) => {
        await ready();
        return claimIn(c, argsOf(i));
      }),
    ),
  );
}

describe.skipIf(!target.ok)('shared catalog: quota and dedup under concurrency', () => {
  let db: TestDb;
  beforeAll(async () => {
    db = await openTestDb();
  });
  afterAll(async () => {
    await db?.close();
  });

  it('never pushes used_bytes over quota_bytes with 20 claims racing near the limit', async () => {
    const uid = await db.addUser();
    await setQuota(db, uid, 1000);
    await activeRow(db, uid, claimArgs({ size: 350 }));
    const results = await racingClaims(db, uid, (i) => claimArgs({ sha256: hashOf(`race-${i}`), size: 100 }), 20);

    const claimed = results.filter((r) => r.status === 'fulfilled' && r.value.kind === 'claimed');
    const refused = results.filter((r) => r.status === 'rejected');
    expect(claimed).toHaveLength(6);
    expect(refused).toHaveLength(14);
    for (const r of refused) expect((r as PromiseRejectedResult).reason).toMatchObject({ code: 'EXQ01' });
    expect(await quotaState(db, uid)).toEqual({ used: 950, quota: 1000, live: 950 });
  });

  it('keeps the quota with claims of mixed sizes racing', async () => {
    const uid = await db.addUser();
    await setQuota(db, uid, 10_000);
    const sizes = Array.from({ length: 20 }, (_, i) => 300 + ((i * 7919) % 900));
    const results = await racingClaims(db, uid, (i) => claimArgs({ sha256: hashOf(`mixed-${i}`), size: sizes[i] }), 20);
    const granted = results.flatMap((r, i) => (r.status === 'fulfilled' ? [sizes[i]!] : []));
    const state = await quotaState(db, uid);
    expect(state.used).toBe(granted.reduce((a, b) => a + b, 0));
    expect(state.used).toBeLessThanOrEqual(10_000);
    expect(state.live).toBe(state.used);
    // Refused only when the file really did not fit any more.
    const smallestRefused = Math.min(...results.flatMap((r, i) => (r.status === 'rejected' ? [sizes[i]!] : [])));
    expect(state.used + smallestRefused).toBeGreaterThan(10_000);
  });

  it('gives one row when two machines claim the same content at once', async () => {
    const uid = await db.addUser();
    const sha256 = hashOf('same-content');
    const results = await racingClaims(db, uid, () => claimArgs({ sha256 }), 2);
    const kinds = results.map((r) => (r as PromiseFulfilledResult<ClaimJson>).value.kind).sort();
    expect(kinds).toEqual(['busy', 'claimed']);
    const { rows } = await db.admin.query('SELECT count(*)::int AS n FROM public.files WHERE user_id = $1 AND sha256 = $2', [uid, sha256]);
    expect(rows[0].n).toBe(1);
    expect((await quotaState(db, uid)).used).toBe(100);
  });

  it('serves a dedup hit from the active row without taking more quota', async () => {
    const uid = await db.addUser();
    const args = claimArgs({ sha256: hashOf('dup') });
    const first = await activeRow(db, uid, args);
    const again = await claim(db, uid, args);
    expect(again).toMatchObject({ kind: 'active', record: { id: first.id, status: 'active' } });
    expect((await quotaState(db, uid)).used).toBe(100);
  });

  it('reconciles an expired lease: the row fails and its bytes come back', async () => {
    const uid = await db.addUser();
    await setQuota(db, uid, 150);
    const crashed = await claim(db, uid, claimArgs({ size: 100 }));
    await expect(claim(db, uid, claimArgs({ size: 100 }))).rejects.toMatchObject({ code: 'EXQ01' });
    await expireLease(db, crashed.record.id);

    const [usage] = await db.rpc<{ exai_usage: { used_bytes: number; reconciled: number } }>(user(uid), 'exai_usage');
    expect(usage!.exai_usage).toMatchObject({ used_bytes: 0, reconciled: 1 });
    const { rows } = await db.admin.query('SELECT status, error FROM public.files WHERE id = $1', [crashed.record.id]);
    expect(rows[0]).toEqual({ status: 'failed', error: 'lease expired (crashed upload?)' });
    expect((await claim(db, uid, claimArgs({ size: 100 }))).kind).toBe('claimed');
  });

  it('lets a claim reclaim the bytes of an expired lease in the same transaction', async () => {
    const uid = await db.addUser();
    await setQuota(db, uid, 150);
    const crashed = await claim(db, uid, claimArgs({ size: 100 }));
    await expireLease(db, crashed.record.id);
    expect((await claim(db, uid, claimArgs({ size: 100 }))).kind).toBe('claimed');
    expect(await quotaState(db, uid)).toMatchObject({ used: 100, live: 100 });
  });

  it('gives the bytes back on soft delete, and only once when deleted twice', async () => {
    const uid = await db.addUser();
    const row = await activeRow(db, uid, claimArgs({ size: 4096 }));
    expect((await quotaState(db, uid)).used).toBe(4096);
    const [deleted] = await db.rpc(user(uid), 'exai_mark_deleted', { p_id: row.id, p_reason: 'user' });
    expect(deleted).toMatchObject({ status: 'deleted', deletion_reason: 'user' });
    await db.rpc(user(uid), 'exai_mark_deleted', { p_id: row.id });
    expect(await quotaState(db, uid)).toMatchObject({ used: 0, live: 0 });
  });

  it('gives the bytes back when a claim fails', async () => {
    const uid = await db.addUser();
    const c = await claim(db, uid, claimArgs({ size: 700 }));
    await db.rpc(user(uid), 'exai_fail', { p_id: c.record.id, p_error: 'provider said 500', p_lock_generation: c.record.lock_generation });
    expect(await quotaState(db, uid)).toMatchObject({ used: 0, live: 0 });
  });

  it('refuses a file above max_file_size with EXQ02, and a dedup hit still answers', async () => {
    const uid = await db.addUser();
    const args = claimArgs({ size: 2000 });
    const row = await activeRow(db, uid, args);
    await setQuota(db, uid, 1_000_000, 1000);
    await expect(claim(db, uid, claimArgs({ size: 1001 }))).rejects.toMatchObject({ code: 'EXQ02' });
    expect((await claim(db, uid, args)).record.id).toBe(row.id);
  });

  it('shows the default quota of 10 GiB and max file size of 512 MiB before the first claim', async () => {
    const uid = await db.addUser();
    const [usage] = await db.rpc<{ exai_usage: Record<string, number> }>(user(uid), 'exai_usage');
    expect(usage!.exai_usage).toMatchObject({ used_bytes: 0, quota_bytes: 10 * 1024 ** 3, max_file_size: 512 * 1024 ** 2 });
  });
});
