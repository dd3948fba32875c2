/**
 * The shape of what the migrations grant, read from the catalog of a real PostgreSQL: every
 * exposed function is SECURITY DEFINER with an empty search_path, anon holds no privilege on
 * anything exai made, and hostile claim arguments are refused before anything is written.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { claim, claimArgs, quotaState } from '../helpers/pg-catalog.js';
import { openTestDb, type TestDb } from '../helpers/pg-request.js';
import { findTestPg } from '../helpers/pg.js';

const target = await findTestPg();

describe.skipIf(!target.ok)('shared catalog: grants and hostile input', () => {
  let db: TestDb;
  beforeAll(async () => {
    db = await openTestDb();
  });
  afterAll(async () => {
    await db?.close();
  });

  it('makes every exposed function SECURITY DEFINER with search_path pinned empty', async () => {
    const { rows } = await db.admin.query<{ proname: string; prosecdef: boolean; proconfig: string[] | null }>(
      `SELECT p.proname, p.prosecdef, p.proconfig FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
        WHERE n.nspname = 'public' AND p.proname LIKE 'exai\\_%'`,
    );
    expect(rows.length).toBe(20);
    for (const r of rows) {
      expect(r.prosecdef, r.proname).toBe(true);
      expect(r.proconfig, r.proname).toContain('search_path=""');
    }
  });

  it('gives anon no privilege on any table, sequence or function exai created', async () => {
    const { rows } = await db.admin.query<{ what: string }>(
      `SELECT c.relname AS what FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname IN ('public', 'exai_private') AND c.relkind IN ('r', 'S', 'v')
          AND (has_table_privilege('anon', c.oid, 'SELECT,INSERT,UPDATE,DELETE,TRUNCATE,REFERENCES,TRIGGER')
               OR (c.relkind = 'S' AND has_sequence_privilege('anon', c.oid, 'USAGE,SELECT,UPDATE')))
       UNION ALL
       SELECT p.proname FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
        WHERE n.nspname IN ('public', 'exai_private') AND has_function_privilege('anon', p.oid, 'EXECUTE')
       UNION ALL
       SELECT 'schema exai_private' WHERE has_schema_privilege('anon', 'exai_private', 'USAGE')
          OR has_schema_privilege('authenticated', 'exai_private', 'USAGE')`,
    );
    expect(rows).toEqual([]);
  });

  it('refuses hostile claim arguments and writes nothing', async () => {
    const uid = await db.addUser();
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ p_size_bytes: -1 }, '22023'],
      [{ p_lease_ms: 0 }, '22023'],
      [{ p_lease_ms: 86_400_001 }, '22023'],
      [{ p_provider: 'Kimi; DROP TABLE files' }, '23514'],
      [{ p_provider: '' }, '23514'],
      [{ p_purpose: '../../etc' }, '23514'],
      [{ p_sha256: 'not-a-hash' }, '23514'],
      [{ p_sha256: `${'a'.repeat(64)}\n` }, '23514'],
      [{ p_sha256: 'pending:../x' }, '23514'],
      [{ p_mime_type: 'text/plain\u001b]8;;evil' }, '23514'],
      [{ p_original_name: '' }, '23514'],
      [{ p_original_name: 'x'.repeat(4097) }, '23514'],
      [{ p_sha256: null }, '23502'],
    ];
    for (const [over, code] of cases) {
      await expect(claim(db, uid, { ...claimArgs(), ...over }), JSON.stringify(over).slice(0, 80)).rejects.toMatchObject({ code });
    }
    const { rows } = await db.admin.query('SELECT count(*)::int AS n FROM public.files WHERE user_id = $1', [uid]);
    expect(rows[0].n).toBe(0);
    expect((await quotaState(db, uid)).used).toBe(0);
  });

  it('refuses a token whose user does not exist', async () => {
    await expect(claim(db, '00000000-0000-4000-8000-000000000000')).rejects.toMatchObject({ code: '23503' });
  });
});
