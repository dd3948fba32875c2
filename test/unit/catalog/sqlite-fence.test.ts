/** The catalog side of fencing: tokens on claims, compare-and-set writes, abandoned claims, reads that judge leases. */
import { describe, expect, it } from 'vitest';
import type { ClaimResult, FileRecord } from '../../../src/catalog/types.js';
import { CLAIM_T0, claimInputFrom, useTempCatalog } from '../../helpers/catalog.js';

const T0 = CLAIM_T0;
const SHA = 'c'.repeat(64);
const input = claimInputFrom({ sha256: SHA, now: T0, leaseMs: 60_000, lockGeneration: 100 });
let readNow = T0;
const temp = useTempCatalog('exai-fence-', () => readNow);

function claimed(result: ClaimResult): FileRecord & { abandoned?: FileRecord | undefined } {
  if (result.kind !== 'claimed') throw new Error(`expected a claim, got ${result.kind}`);
  return { ...result.record, abandoned: result.abandoned };
}

describe('fenced writes', () => {
  it('records the token and refuses complete, fail and renew with another one (LOCK_LOST, nothing changed)', async () => {
    readNow = T0;
    const catalog = temp.get();
    const row = claimed(await catalog.claim(input()));
    expect(row.lockGeneration).toBe(100);
    await expect(catalog.complete(row.id, 'file-x', T0 + 1, { lockGeneration: 99 })).rejects.toMatchObject({ name: 'LOCK_LOST' });
    await expect(catalog.fail(row.id, 'boom', T0 + 1, 101)).rejects.toMatchObject({ name: 'LOCK_LOST' });
    await expect(catalog.renewLease(row.id, 60_000, T0 + 1, 7)).rejects.toMatchObject({ name: 'LOCK_LOST' });
    expect((await catalog.list({}))[0]).toMatchObject({ status: 'uploading', leaseExpiresAt: T0 + 60_000, providerFileId: null });
    await catalog.renewLease(row.id, 60_000, T0 + 2, 100);
    const done = await catalog.complete(row.id, 'file-x', T0 + 3, { lockGeneration: 100 });
    expect(done).toMatchObject({ status: 'active', providerFileId: 'file-x' });
    // No longer uploading: a fenced fail says so instead of doing nothing quietly.
    await expect(catalog.fail(row.id, 'late', T0 + 4, 100)).rejects.toMatchObject({ name: 'LOCK_LOST' });
  });

  it('a stalled holder cannot complete its claim once a later holder reconciled it and claimed again', async () => {
    readNow = T0;
    const catalog = temp.get();
    const stalled = claimed(await catalog.claim(input({ leaseMs: 10_000 })));
    const later = claimed(await catalog.claim(input({ now: T0 + 20_000, lockGeneration: 101 })));
    await expect(catalog.complete(stalled.id, 'file-dup', T0 + 21_000, { lockGeneration: 100 })).rejects.toMatchObject({ name: 'LOCK_LOST' });
    await expect(catalog.fail(later.id, 'abandoned', T0 + 21_000, 100)).rejects.toMatchObject({ name: 'LOCK_LOST' });
    expect((await catalog.complete(later.id, 'file-1', T0 + 22_000, { lockGeneration: 101 })).status).toBe('active');
  });
});

describe('abandoned claims (adoption)', () => {
  it('a claim that reconciles an expired one on its key returns it as abandoned', async () => {
    readNow = T0;
    const catalog = temp.get();
    const crashed = claimed(await catalog.claim(input({ leaseMs: 10_000 })));
    const next = claimed(await catalog.claim(input({ now: T0 + 20_000, lockGeneration: 101 })));
    expect(next.abandoned).toMatchObject({ id: crashed.id, status: 'failed', error: expect.stringMatching(/^lease expired/) as string });
  });

  it('a row failed for another reason, one with a provider file, or one older than a day is not abandoned', async () => {
    readNow = T0;
    const catalog = temp.get();
    const failed = claimed(await catalog.claim(input()));
    await catalog.fail(failed.id, 'PROVIDER_REJECTED: no', T0 + 1);
    const next = claimed(await catalog.claim(input({ now: T0 + 2 })));
    expect(next.abandoned).toBeUndefined();
    await catalog.fail(next.id, 'abandoned: its upload no longer held the lock', T0 + 3);
    const soon = claimed(await catalog.claim(input({ now: T0 + 4 })));
    expect(soon.abandoned?.id).toBe(next.id);
    await catalog.fail(soon.id, 'abandoned: x', T0 + 5);
    const dayLater = claimed(await catalog.claim(input({ now: T0 + 25 * 3600 * 1000 })));
    expect(dayLater.abandoned).toBeUndefined();
  });
});

describe('reads judge leases', () => {
  it('quota and ls count an expired claim as failed before anything reconciles it', async () => {
    readNow = T0;
    const catalog = temp.get();
    await catalog.claim(input({ leaseMs: 10_000, sizeBytes: 5000 }));
    expect((await catalog.usage('alice')).usedBytes).toBe(5000);
    readNow = T0 + 11_000;
    expect(await catalog.usage('alice')).toEqual({ usedBytes: 0, activeFiles: 0, uploadingFiles: 0 });
    expect(await catalog.list({ status: 'uploading' })).toEqual([]);
    expect((await catalog.list({ status: 'failed' })).map((r) => r.error)).toEqual(['lease expired (crashed upload?)']);
    expect((await catalog.list({}))[0]?.status).toBe('failed');
    // And a claim does not count it against the quota either.
    const other = await catalog.claim(input({ sha256: 'd'.repeat(64), now: T0 + 11_000, sizeBytes: 1024 * 1024 * 1024 }));
    expect(other.kind).toBe('claimed');
  });
});
