/**
 * The read functions on a real PostgreSQL: list reconciles first (a crashed upload shows as
 * failed, never as uploading forever), and a ref finds only the caller's own rows, with no
 * pattern characters sneaking into the hash-prefix match.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { activeRow, claim, claimArgs, expireLease, hashOf, type FileJson } from '../helpers/pg-catalog.js';
import { openTestDb, user, type TestDb } from '../helpers/pg-request.js';
import { findTestPg } from '../helpers/pg.js';

const target = await findTestPg();

describe.skipIf(!target.ok)('shared catalog: list and find by ref', () => {
  let db: TestDb;
  let alice: string;
  let bob: string;
  let doc: FileJson;
  beforeAll(async () => {
    db = await openTestDb();
    alice = await db.addUser();
    bob = await db.addUser();
    doc = await activeRow(db, alice, claimArgs({ sha256: hashOf('doc'), provider: 'glm' }));
    await activeRow(db, bob, claimArgs({ sha256: hashOf('doc') }));
  });
  afterAll(async () => {
    await db?.close();
  });

  const ids = (rows: FileJson[]) => rows.map((r) => r.id);

  it('lists only your rows, newest first, with an expired claim shown as failed', async () => {
    const crashed = await claim(db, alice, claimArgs({ sha256: hashOf('crash') }));
    await expireLease(db, crashed.record.id);
    const rows = await db.rpc<FileJson>(user(alice), 'exai_list', {});
    expect(ids(rows)).toEqual([crashed.record.id, doc.id]);
    expect(rows[0]).toMatchObject({ status: 'failed', error: 'lease expired (crashed upload?)' });
    expect(rows.every((r) => r.user_id === alice)).toBe(true);
  });

  it('filters by provider, status, since and limit', async () => {
    expect(ids(await db.rpc<FileJson>(user(alice), 'exai_list', { p_provider: 'glm' }))).toEqual([doc.id]);
    expect(ids(await db.rpc<FileJson>(user(alice), 'exai_list', { p_status: 'active' }))).toEqual([doc.id]);
    expect(await db.rpc(user(alice), 'exai_list', { p_since: new Date(Date.now() + 3_600_000).toISOString() })).toEqual([]);
    expect(await db.rpc(user(alice), 'exai_list', { p_limit: 1 })).toHaveLength(1);
  });

  it('finds a row by provider id, by id and by hash prefix', async () => {
    for (const ref of [doc.provider_file_id!, doc.id, doc.sha256.slice(0, 12), doc.sha256.slice(0, 12).toUpperCase()]) {
      expect(ids(await db.rpc<FileJson>(user(alice), 'exai_find_by_ref', { p_ref: ref })), ref).toEqual([doc.id]);
    }
  });

  it("never finds another user's row, and treats % and _ as plain characters", async () => {
    expect(await db.rpc(user(bob), 'exai_find_by_ref', { p_ref: doc.provider_file_id })).toEqual([]);
    expect(await db.rpc(user(bob), 'exai_find_by_ref', { p_ref: doc.id })).toEqual([]);
    for (const ref of ['%', '_', `${doc.sha256.slice(0, 4)}%`, '']) {
      expect(await db.rpc(user(alice), 'exai_find_by_ref', { p_ref: ref }), ref).toEqual([]);
    }
  });

  it('does not find deleted rows', async () => {
    const gone = await activeRow(db, alice, claimArgs({ sha256: hashOf('gone') }));
    await db.rpc(user(alice), 'exai_mark_deleted', { p_id: gone.id });
    expect(await db.rpc(user(alice), 'exai_find_by_ref', { p_ref: gone.sha256 })).toEqual([]);
  });
});
