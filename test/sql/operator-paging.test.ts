/**
 * The operator catalog at scale (migration 20261130140000): exai_admin_list pages by key, so
 * a purge between pages neither skips nor repeats a row and every page costs the same; and
 * exai_admin_purge_failed narrows to one provider (`gc --provider kimi` with the service key).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SERVICE, openTestDb, user, type TestDb } from '../helpers/pg-request.js';
import { findTestPg } from '../helpers/pg.js';

const target = await findTestPg();

interface Row {
  id: string;
  created_at: Date;
  provider: string;
}

describe.skipIf(!target.ok)('shared catalog: operator paging and provider purge', () => {
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

  /** `n` failed rows for `uid`, created on a few shared instants (ties are broken by id). */
  async function seedFailed(uid: string, n: number, provider = 'kimi', base = Date.parse('2026-01-01T00:00:00Z')): Promise<void> {
    await db.admin.query(
      `INSERT INTO public.files (user_id, provider, purpose, sha256, size_bytes, mime_type, original_name, status, error, created_at, updated_at)
       SELECT $1, $2, 'file-extract', md5(random()::text) || md5(random()::text), 10, 'text/plain', 'f.txt', 'failed', 'boom',
              to_timestamp($3::double precision / 1000) + (i % 4) * interval '1 second', '2026-01-01'
         FROM generate_series(1, $4) AS i`,
      [uid, provider, base, n],
    );
  }

  const page = (args: Record<string, unknown>) => db.rpc<Row>(SERVICE, 'exai_admin_list', { p_limit: 7, ...args });
  const after = (row: Row | undefined) => (row === undefined ? {} : { p_after_created_at: row.created_at.toISOString(), p_after_id: row.id });

  it('pages by (created_at, id): every row once, in order, even when rows are purged between pages', async () => {
    await seedFailed(alice, 20);
    await seedFailed(bob, 13);
    const all = (await db.admin.query<Row>(`SELECT id, created_at, provider FROM public.files ORDER BY created_at, id`)).rows;
    const seen: string[] = [];
    let last: Row | undefined;
    for (let round = 0; round < 20; round++) {
      const rows = await page(after(last));
      seen.push(...rows.map((r) => r.id));
      // gc deletes what it has read before reading on: with OFFSET the next page would skip rows.
      if (rows.length > 0) await db.admin.query(`DELETE FROM public.files WHERE id = ANY($1::uuid[])`, [rows.map((r) => r.id)]);
      last = rows.at(-1) ?? last;
      if (rows.length < 7) break;
    }
    expect(seen).toEqual(all.map((r) => r.id));
  });

  it('filters by user and provider while paging, and refuses half a key', async () => {
    await seedFailed(alice, 5, 'kimi');
    await seedFailed(alice, 4, 'glm');
    await seedFailed(bob, 3, 'glm');
    const first = await page({ p_user_id: alice, p_provider: 'glm', p_limit: 3 });
    const rest = await page({ p_user_id: alice, p_provider: 'glm', p_limit: 3, ...after(first.at(-1)) });
    expect([...first, ...rest].map((r) => r.provider)).toEqual(['glm', 'glm', 'glm', 'glm']);
    await expect(page({ p_after_created_at: new Date().toISOString() })).rejects.toMatchObject({ code: '22023' });
    // An older client that pages with p_offset still gets its pages.
    const byOffset = await db.rpc<Row>(SERVICE, 'exai_admin_list', { p_user_id: alice, p_provider: 'glm', p_limit: 3, p_offset: 3 });
    expect(byOffset.map((r) => r.id)).toEqual(rest.map((r) => r.id));
    await db.admin.query(`DELETE FROM public.files`);
  });

  it('purge_failed with p_provider removes only that provider\'s failed rows; a user still cannot call it', async () => {
    await seedFailed(alice, 3, 'kimi');
    await seedFailed(bob, 2, 'glm');
    const before = new Date('2026-06-01').toISOString();
    const [glm] = await db.rpc<{ exai_admin_purge_failed: string }>(SERVICE, 'exai_admin_purge_failed', { p_before: before, p_provider: 'glm' });
    expect(Number(glm!.exai_admin_purge_failed)).toBe(2);
    const left = await db.admin.query<{ provider: string }>(`SELECT provider FROM public.files WHERE status = 'failed'`);
    expect(left.rows.map((r) => r.provider)).toEqual(['kimi', 'kimi', 'kimi']);
    await expect(db.rpc(user(alice), 'exai_admin_purge_failed', { p_before: before, p_provider: 'kimi' })).rejects.toMatchObject({ code: '42501' });
    const [all] = await db.rpc<{ exai_admin_purge_failed: string }>(SERVICE, 'exai_admin_purge_failed', { p_before: before });
    expect(Number(all!.exai_admin_purge_failed)).toBe(3);
  });

  it("a user's own exai_purge_failed narrows to one provider too, and never reaches another user's rows", async () => {
    await seedFailed(alice, 2, 'kimi');
    await seedFailed(alice, 2, 'glm');
    await seedFailed(bob, 1, 'glm');
    const before = new Date('2026-06-01').toISOString();
    const [n] = await db.rpc<{ exai_purge_failed: string }>(user(alice), 'exai_purge_failed', { p_before: before, p_provider: 'glm' });
    expect(Number(n!.exai_purge_failed)).toBe(2);
    const left = await db.admin.query<{ user_id: string; provider: string }>(`SELECT user_id, provider FROM public.files ORDER BY provider`);
    expect(left.rows).toEqual([{ user_id: bob, provider: 'glm' }, { user_id: alice, provider: 'kimi' }, { user_id: alice, provider: 'kimi' }]);
    await db.admin.query(`DELETE FROM public.files`);
  });
});
