/**
 * Row level security and grants of the shared catalog, on a real PostgreSQL, with every
 * statement run as PostgREST runs it: user B never sees or changes user A's rows, anon can do
 * nothing, and nobody writes the tables or raises a quota except through the functions.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ANON, SERVICE, openTestDb, user, type TestDb } from '../helpers/pg-request.js';
import { findTestPg } from '../helpers/pg.js';

const target = await findTestPg();
const HASH = 'a'.repeat(64);

function claimArgs(sha256 = HASH, size = 100): Record<string, unknown> {
  return { p_provider: 'kimi', p_purpose: 'file-extract', p_sha256: sha256, p_size_bytes: size, p_mime_type: 'text/plain', p_original_name: 'a.txt', p_lease_ms: 60_000 };
}

describe.skipIf(!target.ok)('shared catalog: row level security and grants', () => {
  let db: TestDb;
  let alice: string;
  let bob: string;
  let aliceRow: string;

  beforeAll(async () => {
    db = await openTestDb();
    alice = await db.addUser();
    bob = await db.addUser();
    const [claim] = await db.rpc<{ exai_claim: { record: { id: string; lock_generation: number } } }>(user(alice), 'exai_claim', claimArgs());
    aliceRow = claim!.exai_claim.record.id;
    await db.rpc(user(alice), 'exai_complete', { p_id: aliceRow, p_provider_file_id: 'file-1', p_lock_generation: claim!.exai_claim.record.lock_generation });
  });
  afterAll(async () => {
    await db?.close();
  });

  const count = (caller: Parameters<TestDb['request']>[0], table: string) =>
    db.request(caller, async (c) => Number((await c.query(`SELECT count(*) AS n FROM ${table}`)).rows[0].n), { readOnly: true });

  it('shows each user only their own files and quota', async () => {
    expect(await count(user(alice), 'public.files')).toBe(1);
    expect(await count(user(bob), 'public.files')).toBe(0);
    expect(await count(user(alice), 'public.user_quotas')).toBe(1);
    expect(await count(user(bob), 'public.user_quotas')).toBe(0);
  });

  it('still shows B nothing of A when a careless policy opens the tables', async () => {
    await db.admin.query('CREATE POLICY careless ON public.files FOR SELECT TO authenticated USING (true)');
    await db.admin.query('CREATE POLICY careless ON public.user_quotas FOR SELECT TO authenticated USING (true)');
    try {
      expect(await count(user(bob), 'public.files')).toBe(0);
      expect(await count(user(bob), 'public.user_quotas')).toBe(0);
    } finally {
      await db.admin.query('DROP POLICY careless ON public.files; DROP POLICY careless ON public.user_quotas');
    }
  });

  it('refuses every direct write to the tables, even on your own rows', async () => {
    const writes = [
      `UPDATE public.files SET status = 'deleted', deleted_at = now() WHERE id = '${aliceRow}'`,
      `DELETE FROM public.files WHERE id = '${aliceRow}'`,
      `INSERT INTO public.files (user_id, provider, purpose, sha256, size_bytes, mime_type, original_name, status)
         VALUES ('${alice}', 'kimi', 'batch', '${'b'.repeat(64)}', 1, 'text/plain', 'x', 'active')`,
      `UPDATE public.user_quotas SET quota_bytes = 1e15 WHERE user_id = '${alice}'`,
      `INSERT INTO public.user_quotas (user_id, quota_bytes) VALUES ('${bob}', 1e15)`,
      `DELETE FROM public.user_quotas`,
    ];
    for (const caller of [user(alice), user(bob), ANON, SERVICE]) {
      for (const sql of writes) {
        await expect(db.request(caller, (c) => c.query(sql)), `${caller.role} ${sql}`).rejects.toMatchObject({ code: '42501' });
      }
    }
    const [row] = (await db.admin.query('SELECT status FROM public.files WHERE id = $1', [aliceRow])).rows;
    expect(row.status).toBe('active');
  });

  it('gives anon nothing: no table, no function', async () => {
    await expect(count(ANON, 'public.files')).rejects.toMatchObject({ code: '42501' });
    await expect(count(ANON, 'public.user_quotas')).rejects.toMatchObject({ code: '42501' });
    await expect(db.rpc(ANON, 'exai_claim', claimArgs())).rejects.toMatchObject({ code: '42501' });
    await expect(db.rpc(ANON, 'exai_usage')).rejects.toMatchObject({ code: '42501' });
  });

  it("does not let user B complete, fail, renew or delete user A's row", async () => {
    const attempts: Array<[string, Record<string, unknown>]> = [
      ['exai_complete', { p_id: aliceRow, p_provider_file_id: 'evil' }],
      ['exai_fail', { p_id: aliceRow, p_error: 'evil' }],
      ['exai_renew_lease', { p_id: aliceRow, p_lease_ms: 1000 }],
      ['exai_mark_deleted', { p_id: aliceRow }],
    ];
    for (const [fn, args] of attempts) {
      // Another user's row does not exist as far as B can tell.
      await expect(db.rpc(user(bob), fn, args), fn).rejects.toMatchObject({ code: 'EXN01' });
    }
    const [row] = (await db.admin.query('SELECT status, provider_file_id FROM public.files WHERE id = $1', [aliceRow])).rows;
    expect(row).toEqual({ status: 'active', provider_file_id: 'file-1' });
  });
});
