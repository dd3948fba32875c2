/**
 * exai_claim's size rule after migration 20261130160000 split its size query in two: a
 * pending claim (hash not known yet) meets any live row of its size, a hashed claim only the
 * pending ones — and each is found among many rows of other sizes, calls after call (plpgsql
 * switches to a cached generic plan after five).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { activeRow, claim, claimArgs, hashOf } from '../helpers/pg-catalog.js';
import { openTestDb, type TestDb } from '../helpers/pg-request.js';
import { findTestPg } from '../helpers/pg.js';

const target = await findTestPg();

describe.skipIf(!target.ok)('shared catalog: claims of one size', () => {
  let db: TestDb;
  let uid: string;
  beforeAll(async () => {
    db = await openTestDb();
    uid = await db.addUser();
    for (let i = 0; i < 12; i++) await activeRow(db, uid, claimArgs({ sha256: hashOf(`other-${i}`), size: 1000 + i }));
  });
  afterAll(async () => {
    await db?.close();
  });

  it('gives a pending claim size-taken when a live row has its size, and claims it otherwise', async () => {
    for (let i = 0; i < 8; i++) {
      const taken = await claim(db, uid, claimArgs({ sha256: `pending:t${i}`, size: 1000 + i }));
      expect(taken.kind).toBe('size-taken');
      expect(taken.record.size_bytes).toBe(1000 + i);
    }
    const free = await claim(db, uid, claimArgs({ sha256: 'pending:free', size: 5000 }));
    expect(free.kind).toBe('claimed');
  });

  it('gives a hashed claim busy only when a pending claim has its size', async () => {
    await claim(db, uid, claimArgs({ sha256: 'pending:p', size: 7000 }));
    for (let i = 0; i < 8; i++) {
      expect((await claim(db, uid, claimArgs({ sha256: hashOf(`busy-${i}`), size: 7000 }))).kind).toBe('busy');
      // Same size as a live hashed row: no conflict, a claim of its own.
      expect((await claim(db, uid, claimArgs({ sha256: hashOf(`new-${i}`), size: 1000 + i }))).kind).toBe('claimed');
    }
  });
});
