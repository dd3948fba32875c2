/**
 * The archive bucket's policies on storage.objects, on a real PostgreSQL, with the settings
 * the Storage server sets per request: a user touches only `<their uid>/<sha256>` objects.
 */
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashOf } from '../helpers/pg-catalog.js';
import { ANON, openTestDb, user, type Caller, type TestDb } from '../helpers/pg-request.js';
import { findTestPg } from '../helpers/pg.js';

const target = await findTestPg();

/** Storage also publishes the legacy per-claim settings and allows its own deletes. */
async function storageRequest<T>(db: TestDb, caller: Caller, body: (c: pg.PoolClient) => Promise<T>): Promise<T> {
  return db.request(caller, async (c) => {
    await c.query(
      `SELECT set_config('request.jwt.claim.sub', $1, true), set_config('request.jwt.claim.role', $2, true),
              set_config('storage.allow_delete_query', 'true', true)`,
      [caller.sub ?? '', caller.role],
    );
    return body(c);
  });
}

describe.skipIf(!target.ok)('shared catalog: archive bucket policies', () => {
  let db: TestDb;
  let alice: string;
  let bob: string;
  let aliceKey: string;
  beforeAll(async () => {
    db = await openTestDb();
    alice = await db.addUser();
    bob = await db.addUser();
    aliceKey = `${alice}/${hashOf('alice-doc')}`;
    await storageRequest(db, user(alice), (c) =>
      c.query(`INSERT INTO storage.objects (bucket_id, name, owner_id) VALUES ('exai-files', $1, $2)`, [aliceKey, alice]),
    );
  });
  afterAll(async () => {
    await db?.close();
  });

  const visible = (caller: Caller, name: string) =>
    storageRequest(db, caller, async (c) => (await c.query('SELECT 1 FROM storage.objects WHERE name = $1', [name])).rowCount);

  it('creates the private exai-files bucket with a size limit and no active content types', async () => {
    const { rows } = await db.admin.query(`SELECT public, file_size_limit, allowed_mime_types FROM storage.buckets WHERE id = 'exai-files'`);
    expect(rows[0]).toMatchObject({ public: false, file_size_limit: String(512 * 1024 ** 2) });
    const types: string[] = rows[0].allowed_mime_types;
    expect(types).toEqual(expect.arrayContaining(['application/pdf', 'text/plain']));
    for (const active of ['text/html', 'image/svg+xml', 'application/xhtml+xml', 'image/*', 'text/*']) expect(types).not.toContain(active);
  });

  it("hides user A's object from user B and from anon", async () => {
    expect(await visible(user(alice), aliceKey)).toBe(1);
    expect(await visible(user(bob), aliceKey)).toBe(0);
    expect(await visible(ANON, aliceKey)).toBe(0);
  });

  it("does not let user B overwrite, move or delete user A's object", async () => {
    const changed = await storageRequest(db, user(bob), async (c) => {
      const upd = await c.query(`UPDATE storage.objects SET metadata = '{"evil":1}' WHERE name = $1`, [aliceKey]);
      const del = await c.query('DELETE FROM storage.objects WHERE name = $1', [aliceKey]);
      return (upd.rowCount ?? 0) + (del.rowCount ?? 0);
    });
    expect(changed).toBe(0);
    // Moving one's own object into another user's folder fails the update's check.
    const own = `${bob}/${hashOf('bob-doc')}`;
    await storageRequest(db, user(bob), (c) => c.query(`INSERT INTO storage.objects (bucket_id, name, owner_id) VALUES ('exai-files', $1, $2)`, [own, bob]));
    await expect(
      storageRequest(db, user(bob), (c) => c.query('UPDATE storage.objects SET name = $1 WHERE name = $2', [`${alice}/${hashOf('moved')}`, own])),
    ).rejects.toMatchObject({ code: '42501' });
    const { rows } = await db.admin.query('SELECT metadata FROM storage.objects WHERE name = $1', [aliceKey]);
    expect(rows).toEqual([{ metadata: null }]);
  });

  it('refuses inserts outside your own folder, of the wrong shape, in another bucket, or by anon', async () => {
    await db.admin.query(`INSERT INTO storage.buckets (id, name) VALUES ('other', 'other') ON CONFLICT DO NOTHING`);
    const cases: Array<[Caller, string, string]> = [
      [user(bob), 'exai-files', `${alice}/${hashOf('planted')}`],
      [user(bob), 'exai-files', `${bob}/notes.txt`],
      [user(bob), 'exai-files', `${bob}/${hashOf('deep')}/x`],
      [user(bob), 'exai-files', `${bob}/../${alice}/${hashOf('dots')}`],
      [user(bob), 'exai-files', `${bob}/${hashOf('upper').toUpperCase()}`],
      [user(bob), 'other', `${bob}/${hashOf('other-bucket')}`],
      [ANON, 'exai-files', `${alice}/${hashOf('anon')}`],
    ];
    for (const [caller, bucket, name] of cases) {
      await expect(
        storageRequest(db, caller, (c) => c.query('INSERT INTO storage.objects (bucket_id, name) VALUES ($1, $2)', [bucket, name])),
        `${caller.role} ${bucket} ${name}`,
      ).rejects.toMatchObject({ code: '42501' });
    }
  });

  it("keeps exai-files closed even when another app's policy opens every object", async () => {
    await db.admin.query(`CREATE POLICY careless_read ON storage.objects FOR SELECT TO authenticated, anon USING (true)`);
    await db.admin.query(`CREATE POLICY careless_write ON storage.objects FOR ALL TO authenticated USING (true) WITH CHECK (true)`);
    await db.admin.query(`INSERT INTO storage.buckets (id, name) VALUES ('public-stuff', 'public-stuff') ON CONFLICT DO NOTHING`);
    await db.admin.query(`INSERT INTO storage.objects (bucket_id, name) VALUES ('public-stuff', 'hello.txt')`);
    try {
      expect(await visible(user(bob), 'hello.txt')).toBe(1); // the other app still works
      expect(await visible(user(bob), aliceKey)).toBe(0);
      expect(await visible(ANON, aliceKey)).toBe(0);
      const changed = await storageRequest(db, user(bob), async (c) => {
        const upd = await c.query(`UPDATE storage.objects SET metadata = '{"evil":1}' WHERE name = $1`, [aliceKey]);
        const del = await c.query('DELETE FROM storage.objects WHERE name = $1', [aliceKey]);
        return (upd.rowCount ?? 0) + (del.rowCount ?? 0);
      });
      expect(changed).toBe(0);
      await expect(
        storageRequest(db, user(bob), (c) => c.query(`INSERT INTO storage.objects (bucket_id, name) VALUES ('exai-files', $1)`, [`${alice}/${hashOf('planted')}`])),
      ).rejects.toMatchObject({ code: '42501' });
    } finally {
      await db.admin.query('DROP POLICY careless_read ON storage.objects; DROP POLICY careless_write ON storage.objects');
    }
  });

  it('lets a user delete their own object', async () => {
    const own = `${alice}/${hashOf('to-delete')}`;
    await storageRequest(db, user(alice), (c) => c.query(`INSERT INTO storage.objects (bucket_id, name) VALUES ('exai-files', $1)`, [own]));
    const deleted = await storageRequest(db, user(alice), (c) => c.query('DELETE FROM storage.objects WHERE name = $1', [own]));
    expect(deleted.rowCount).toBe(1);
  });
});
