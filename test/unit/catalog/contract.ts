/**
 * The catalog contract (src/catalog/types.ts), run against every implementation: the
 * embedded SQLite catalog and the shared Supabase one (through the loopback server on a real
 * PostgreSQL). What differs between them is behind CatalogUnderTest: who the users are,
 * how a quota is set and how a lease is made to run out (SQLite follows the caller's clock,
 * PostgreSQL its own, so there the test ages the row instead).
 */
import { randomUUID } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Catalog, ClaimInput, FileRecord } from '../../../src/catalog/types.js';
import { ExaiError } from '../../../src/core/errors.js';

export type TestUser = 'alice' | 'bob';

/** One implementation, fresh for each test. */
export interface CatalogUnderTest {
  /** The catalog as `user` sees it (SQLite: one catalog; Supabase: one client per user). */
  as(user: TestUser): Catalog;
  userId(user: TestUser): string;
  /** Give `user` a quota of `bytes` in total. */
  setQuota(user: TestUser, bytes: number): Promise<void>;
  /** The `now` to pass (SQLite honours it; PostgreSQL uses its own clock). */
  now(): number;
  /** Make every live lease run out. */
  expireLeases(): Promise<void>;
  close(): Promise<void>;
}

const MiB = 1024 * 1024;
const SHA_A = 'a'.repeat(8) + '0123456789abcdef'.repeat(3) + 'b'.repeat(8);
const SHA_B = 'b'.repeat(64);

/** Register the contract suite for one implementation. */
export function describeCatalogContract(name: string, open: () => Promise<CatalogUnderTest>): void {
  describe(`catalog contract: ${name}`, () => {
    let h: CatalogUnderTest;
    beforeEach(async () => {
      h = await open();
      await h.setQuota('alice', 10 * MiB);
    });
    afterEach(() => h.close());

    const input = (overrides: Partial<ClaimInput> = {}, user: TestUser = 'alice'): ClaimInput => ({
      userId: h.userId(user),
      provider: 'local',
      purpose: 'file-extract',
      sha256: SHA_A,
      sizeBytes: MiB,
      mimeType: 'application/pdf',
      originalName: 'report.pdf',
      leaseMs: 60_000,
      quotaBytes: 10 * MiB,
      now: h.now(),
      ...overrides,
    });
    const claimed = async (overrides: Partial<ClaimInput> = {}, user: TestUser = 'alice'): Promise<FileRecord> => {
      const result = await h.as(user).claim(input(overrides, user));
      if (result.kind !== 'claimed') throw new Error(`expected claimed, got ${result.kind}`);
      return result.record;
    };
    const alice = () => h.as('alice');
    const errorOf = (promise: Promise<unknown>) => promise.then(() => undefined, (e: unknown) => e as ExaiError);

    it('claims, completes, then serves a dedup hit without a new row', async () => {
      const record = await claimed();
      expect(record).toMatchObject({ status: 'uploading', sizeBytes: MiB, userId: h.userId('alice') });
      const active = await alice().complete(record.id, 'file-abc', h.now(), { storagePath: `${h.userId('alice')}/${SHA_A}` });
      expect(active).toMatchObject({ status: 'active', providerFileId: 'file-abc', storagePath: `${h.userId('alice')}/${SHA_A}`, leaseExpiresAt: null });
      expect(await alice().claim(input())).toMatchObject({ kind: 'active', record: { id: record.id } });
      expect((await alice().findActive(input()))?.id).toBe(record.id);
      expect(await alice().list({})).toHaveLength(1);
    });

    it('the dedup key includes user, provider and purpose', async () => {
      await claimed();
      await claimed({}, 'bob');
      await claimed({ provider: 'kimi' });
      await claimed({ purpose: 'batch' });
      expect(await alice().list({ userId: h.userId('alice') })).toHaveLength(3);
      expect(await h.as('bob').list({ userId: h.userId('bob') })).toHaveLength(1);
    });

    it('says busy while another claim holds a live lease', async () => {
      const record = await claimed();
      expect(await alice().claim(input())).toMatchObject({ kind: 'busy', record: { id: record.id } });
    });

    it('reconciles an expired claim (a crashed upload) and claims afresh, releasing its bytes', async () => {
      const crashed = await claimed();
      await h.expireLeases();
      const fresh = await claimed({ now: h.now() });
      expect(fresh.id).not.toBe(crashed.id);
      const [old] = await alice().findByRef(h.userId('alice'), crashed.id);
      expect(old).toMatchObject({ status: 'failed' });
      expect(old?.error).toMatch(/^lease expired/);
      expect((await alice().usage(h.userId('alice'))).usedBytes).toBe(MiB);
    });

    it('refuses a claim over quota (QUOTA_EXCEEDED, exit 5) and inserts nothing', async () => {
      await claimed({ sizeBytes: 9 * MiB });
      const error = await errorOf(alice().claim(input({ sha256: SHA_B, sizeBytes: 2 * MiB })));
      expect(error).toBeInstanceOf(ExaiError);
      expect(error?.name).toBe('QUOTA_EXCEEDED');
      expect(error?.exitCode).toBe(5);
      expect(await alice().list({})).toHaveLength(1);
    });

    it('fail releases the reserved bytes, and fail is a no-op on a finished row', async () => {
      const big = await claimed({ sizeBytes: 9 * MiB });
      await alice().fail(big.id, 'provider said no', h.now());
      expect(await alice().usage(h.userId('alice'))).toMatchObject({ usedBytes: 0, activeFiles: 0, uploadingFiles: 0 });
      await claimed({ sha256: SHA_B, sizeBytes: 9 * MiB });
      await alice().fail(big.id, 'again', h.now());
      expect((await alice().findByRef(h.userId('alice'), big.id))[0]).toMatchObject({ status: 'failed', error: 'provider said no' });
    });

    it('complete refuses a claim that is no longer uploading, and an id that does not exist', async () => {
      const record = await claimed();
      await alice().fail(record.id, 'gave up', h.now());
      const late = await errorOf(alice().complete(record.id, 'file-late', h.now()));
      expect(['CATALOG_ERROR', 'LOCK_LOST']).toContain(late?.name);
      expect((await alice().findByRef(h.userId('alice'), record.id))[0]?.status).toBe('failed');
      expect((await errorOf(alice().complete(randomUUID(), 'x', h.now())))?.name).toBe('NOT_IN_CATALOG');
    });

    it('counts uploading and active bytes and gives them back on delete', async () => {
      const a = await claimed();
      await alice().complete(a.id, 'file-a', h.now());
      await claimed({ sha256: SHA_B, sizeBytes: 2 * MiB });
      expect(await alice().usage(h.userId('alice'))).toMatchObject({ usedBytes: 3 * MiB, activeFiles: 1, uploadingFiles: 1 });
      const deleted = await alice().markDeleted(a.id, 'user', h.now());
      expect(deleted).toMatchObject({ status: 'deleted', deletionReason: 'user' });
      expect((await alice().usage(h.userId('alice'))).usedBytes).toBe(2 * MiB);
      expect((await alice().markDeleted(a.id, 'retention', h.now())).deletionReason).toBe('user');
      expect((await alice().claim(input())).kind).toBe('claimed');
    });

    it('findByRef finds by provider id and by a sha256 prefix of 6+ hex chars, never another user\'s rows', async () => {
      const a = await claimed();
      await alice().complete(a.id, 'file-xyz', h.now());
      expect((await alice().findByRef(h.userId('alice'), 'file-xyz')).map((r) => r.id)).toEqual([a.id]);
      expect((await alice().findByRef(h.userId('alice'), SHA_A.slice(0, 6).toUpperCase())).map((r) => r.id)).toEqual([a.id]);
      expect(await alice().findByRef(h.userId('alice'), '%')).toEqual([]);
      expect(await alice().findByRef(h.userId('alice'), 'aaaa_%')).toEqual([]);
      expect(await h.as('bob').findByRef(h.userId('bob'), 'file-xyz')).toEqual([]);
      expect(await h.as('bob').findByRef(h.userId('bob'), a.id)).toEqual([]);
    });

    it('list filters by provider, status and limit, newest first', async () => {
      const shas = ['1', '2', '3'].map((c) => c.repeat(64));
      for (const [i, sha] of shas.entries()) await claimed({ sha256: sha, provider: i === 2 ? 'kimi' : 'local' });
      const all = await alice().list({ userId: h.userId('alice') });
      expect(all.map((r) => r.sha256)).toEqual([...shas].reverse());
      expect(await alice().list({ userId: h.userId('alice'), provider: 'kimi' })).toHaveLength(1);
      expect((await alice().list({ userId: h.userId('alice'), limit: 1 })).map((r) => r.sha256)).toEqual([shas[2]]);
      await alice().fail(all[0]!.id, 'x', h.now());
      expect(await alice().list({ userId: h.userId('alice'), status: 'failed' })).toHaveLength(1);
      expect(await h.as('bob').list({ userId: h.userId('bob') })).toEqual([]);
    });

    it('liveOfSize returns the live rows of exactly that size', async () => {
      const a = await claimed();
      await claimed({ sha256: SHA_B, sizeBytes: 2 * MiB });
      expect((await alice().liveOfSize(h.userId('alice'), MiB)).map((r) => r.id)).toEqual([a.id]);
      expect(await h.as('bob').liveOfSize(h.userId('bob'), MiB)).toEqual([]);
    });
  });
}
