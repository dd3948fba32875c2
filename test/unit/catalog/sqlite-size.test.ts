/**
 * The catalog side of hashing a big file while it uploads: liveOfSize tells whether anything
 * of that size could be a duplicate, and complete() swaps a claim's pending hash for the real
 * one — refusing (and leaving the claim uploading) when that hash is already live elsewhere.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import { PENDING_SHA256_PREFIX, type Catalog, type ClaimInput } from '../../../src/catalog/types.js';
import { ExaiError } from '../../../src/core/errors.js';
import { claimInputFrom, useTempCatalog } from '../../helpers/catalog.js';

const SHA_A = 'a'.repeat(64);
const SHA_B = 'b'.repeat(64);
const MiB = 1024 * 1024;
const SIZE = 9 * MiB;
const T0 = 1_700_000_000_000;

const claimInput = claimInputFrom({ sha256: SHA_A, sizeBytes: SIZE, originalName: 'big.pdf', now: T0 });
const temp = useTempCatalog('exai-catalog-size-');
let catalog: Catalog;
beforeEach(() => {
  catalog = temp.get();
});

async function claimed(overrides: Partial<ClaimInput> = {}) {
  const result = await catalog.claim(claimInput(overrides));
  if (result.kind !== 'claimed') throw new Error(`expected claimed, got ${result.kind}`);
  return result.record;
}

const pending = (tag: string) => `${PENDING_SHA256_PREFIX}${tag}`;

describe('liveOfSize', () => {
  it('is empty for an empty catalog', async () => {
    expect(await catalog.liveOfSize('alice', SIZE)).toEqual([]);
  });

  it("returns only the user's uploading and active rows of exactly that size", async () => {
    const uploading = await claimed({ provider: 'glm', sha256: pending('1') });
    const active = await claimed({ sha256: SHA_A });
    await catalog.complete(active.id, 'file-a', T0 + 1);
    const failed = await claimed({ sha256: SHA_B });
    await catalog.fail(failed.id, 'boom', T0 + 2);
    const deleted = await claimed({ sha256: 'c'.repeat(64) });
    await catalog.complete(deleted.id, 'file-c', T0 + 3);
    await catalog.markDeleted(deleted.id, 'user', T0 + 4);
    await claimed({ sha256: 'd'.repeat(64), sizeBytes: SIZE + 1 });
    await claimed({ sha256: 'e'.repeat(64), userId: 'bob' });

    const rows = await catalog.liveOfSize('alice', SIZE);
    expect(rows.map((r) => r.id).sort()).toEqual([uploading.id, active.id].sort());
    expect(rows.map((r) => r.status).sort()).toEqual(['active', 'uploading']);
    expect((await catalog.liveOfSize('bob', SIZE)).map((r) => r.sha256)).toEqual(['e'.repeat(64)]);
    expect(await catalog.liveOfSize('carol', SIZE)).toEqual([]);
  });

  it('counts rows at every provider and purpose (a duplicate anywhere has the same size)', async () => {
    await claimed({ provider: 'glm', purpose: 'file-extract' });
    await claimed({ provider: 'kimi', purpose: 'image', sha256: SHA_B });
    expect(await catalog.liveOfSize('alice', SIZE)).toHaveLength(2);
  });
});

describe('complete with a hash learnt during the upload', () => {
  it('replaces the pending hash with the real one, and the row is then a dedup hit', async () => {
    const row = await claimed({ sha256: pending('x') });
    const done = await catalog.complete(row.id, 'file-1', T0 + 5, { sha256: SHA_A.toUpperCase() });
    expect(done).toMatchObject({ status: 'active', sha256: SHA_A, providerFileId: 'file-1', leaseExpiresAt: null });
    const hit = await catalog.findActive({ userId: 'alice', provider: 'kimi', purpose: 'file-extract', sha256: SHA_A });
    expect(hit?.id).toBe(row.id);
    const again = await catalog.claim(claimInput());
    expect(again).toMatchObject({ kind: 'active', record: { id: row.id } });
  });

  it('refuses a hash another live row already has: CATALOG_ERROR naming the provider file, claim left uploading', async () => {
    // The other row is recorded with another size so that no size rule of claim() keeps the two
    // apart: complete() itself must refuse the duplicate.
    const late = await claimed({ sha256: pending('late') });
    const first = await claimed({ sha256: SHA_A, sizeBytes: SIZE - 1 });
    await catalog.complete(first.id, 'file-first', T0 + 1);
    const error = await catalog.complete(late.id, 'file-late', T0 + 2, { sha256: SHA_A }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ExaiError);
    expect(error).toMatchObject({ name: 'CATALOG_ERROR', details: { provider_file_id: 'file-late' } });
    expect(`${(error as ExaiError).message} ${(error as ExaiError).hint ?? ''}`).toContain('file-late');
    const rows = await catalog.list({});
    expect(rows.find((r) => r.id === late.id)).toMatchObject({ status: 'uploading', sha256: pending('late'), providerFileId: null });
    expect(rows.find((r) => r.id === first.id)).toMatchObject({ status: 'active', providerFileId: 'file-first' });
    // The caller then fails the claim, and the bytes it reserved come back.
    await catalog.fail(late.id, 'duplicate', T0 + 3);
    expect((await catalog.usage('alice')).usedBytes).toBe(SIZE - 1);
  });

  it('the same hash at another provider is no collision', async () => {
    const first = await claimed({ sha256: SHA_A });
    await catalog.complete(first.id, 'file-kimi', T0 + 1);
    const other = await claimed({ provider: 'glm', sha256: pending('glm') });
    await expect(catalog.complete(other.id, 'file-glm', T0 + 2, { sha256: SHA_A })).resolves.toMatchObject({ status: 'active', sha256: SHA_A });
  });

  it('without a sha256 the claimed hash stays; storagePath is still stored', async () => {
    const row = await claimed({ provider: 'local', sha256: SHA_B });
    const done = await catalog.complete(row.id, 'local-1', T0 + 1, { storagePath: '/data/files/bb' });
    expect(done).toMatchObject({ status: 'active', sha256: SHA_B, storagePath: '/data/files/bb' });
    const pend = await claimed({ provider: 'local', sha256: pending('p'), sizeBytes: SIZE + 1 });
    const both = await catalog.complete(pend.id, 'local-2', T0 + 2, { storagePath: '/data/files/aa', sha256: SHA_A });
    expect(both).toMatchObject({ sha256: SHA_A, storagePath: '/data/files/aa' });
  });

  it('a claim that is no longer uploading is not completed, whatever hash is given', async () => {
    const row = await claimed({ sha256: pending('gone') });
    await catalog.fail(row.id, 'abandoned', T0 + 1);
    await expect(catalog.complete(row.id, 'file-x', T0 + 2, { sha256: SHA_A })).rejects.toMatchObject({ name: 'CATALOG_ERROR' });
    expect((await catalog.list({}))[0]).toMatchObject({ status: 'failed', sha256: pending('gone') });
  });
});
