/**
 * Claims made before the hash is known (a 'pending:' hash) and claims with a real hash, of
 * the same size, provider and purpose, exclude each other inside the claim transaction: a
 * file and its duplicate can never both be claimed for upload.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import type { Catalog } from '../../../src/catalog/types.js';
import { claimInputFrom, useTempCatalog } from '../../helpers/catalog.js';

const SHA_A = 'a'.repeat(64);
const MiB = 1024 * 1024;
const T0 = 1_700_000_000_000;

const input = claimInputFrom({ sha256: SHA_A, sizeBytes: 9 * MiB, originalName: 'big.pdf', quotaBytes: 100 * MiB, now: T0 });
const temp = useTempCatalog('exai-pending-');
let catalog: Catalog;
beforeEach(() => {
  catalog = temp.get();
});

describe('pending claims', () => {
  it('refuses a pending claim while a live row has the same size, provider and purpose', async () => {
    const real = await catalog.claim(input());
    expect(real.kind).toBe('claimed');
    const pending = await catalog.claim(input({ sha256: 'pending:1' }));
    expect(pending).toMatchObject({ kind: 'size-taken', record: { id: real.kind === 'claimed' ? real.record.id : '' } });
    expect((await catalog.usage('alice')).uploadingFiles).toBe(1);
  });

  it('lets a pending claim through for another size, provider, purpose or user', async () => {
    await catalog.claim(input());
    for (const other of [{ sizeBytes: 9 * MiB + 1 }, { provider: 'glm' as const }, { purpose: 'batch' }, { userId: 'bob' }]) {
      expect((await catalog.claim(input({ sha256: `pending:${JSON.stringify(other)}`, ...other }))).kind).toBe('claimed');
    }
  });

  it('makes a real claim wait (busy) while a pending claim of its size is live', async () => {
    const pending = await catalog.claim(input({ sha256: 'pending:1' }));
    const real = await catalog.claim(input());
    expect(real).toMatchObject({ kind: 'busy', record: { sha256: 'pending:1' } });
    expect(pending.kind).toBe('claimed');
  });

  it('still answers a dedup hit at once, pending claim or not', async () => {
    const first = await catalog.claim(input());
    if (first.kind !== 'claimed') throw new Error('expected a claim');
    await catalog.complete(first.record.id, 'file-1', T0 + 1);
    await catalog.claim(input({ sha256: 'pending:other', purpose: 'file-extract', sizeBytes: 9 * MiB + 7 }));
    expect((await catalog.claim(input({ now: T0 + 2 }))).kind).toBe('active');
  });

  it('fails an expired same-size claim instead of waiting for it', async () => {
    await catalog.claim(input({ sha256: 'pending:1', leaseMs: 1_000 }));
    const later = await catalog.claim(input({ now: T0 + 5_000 }));
    expect(later.kind).toBe('claimed');
    const failed = await catalog.list({ userId: 'alice', status: 'failed' });
    expect(failed.map((r) => r.sha256)).toEqual(['pending:1']);
  });

  it('claims past live same-size rows with real hashes, and still fails an expired one of them', async () => {
    // Same-size rows with other real hashes are no reason to wait (a batch of equal-size files).
    for (const tag of ['b', 'c', 'd']) expect((await catalog.claim(input({ sha256: tag.repeat(64) }))).kind).toBe('claimed');
    await catalog.claim(input({ sha256: 'e'.repeat(64), leaseMs: 1_000 }));
    const later = await catalog.claim(input({ now: T0 + 5_000 }));
    expect(later.kind).toBe('claimed');
    const failed = await catalog.list({ userId: 'alice', status: 'failed' });
    expect(failed.map((r) => r.sha256)).toEqual(['e'.repeat(64)]);
    expect((await catalog.usage('alice')).uploadingFiles).toBe(4);
  });

  it('gives the pending row its real hash on completion, after which real claims dedup against it', async () => {
    const pending = await catalog.claim(input({ sha256: 'pending:1' }));
    if (pending.kind !== 'claimed') throw new Error('expected a claim');
    const done = await catalog.complete(pending.record.id, 'file-9', T0 + 1, { sha256: SHA_A });
    expect(done).toMatchObject({ status: 'active', sha256: SHA_A, providerFileId: 'file-9' });
    expect((await catalog.claim(input({ now: T0 + 2 }))).kind).toBe('active');
  });
});
