import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openSqliteCatalog } from '../../../src/catalog/sqlite.js';
import type { Catalog, ClaimInput } from '../../../src/catalog/types.js';
import { ExaiError } from '../../../src/core/errors.js';

// What every catalog must do is in contract.ts (run here by contract-sqlite.test.ts); this
// file keeps what is SQLite's own: the file, exact times from the caller's clock, messages.

const SHA_A = 'a'.repeat(8) + '0123456789abcdef'.repeat(3) + 'b'.repeat(8);
const SHA_B = 'b'.repeat(64);
const MiB = 1024 * 1024;
const T0 = 1_700_000_000_000;

function claimInput(overrides: Partial<ClaimInput> = {}): ClaimInput {
  return {
    userId: 'alice',
    provider: 'local',
    purpose: 'file-extract',
    sha256: SHA_A,
    sizeBytes: MiB,
    mimeType: 'application/pdf',
    originalName: 'report.pdf',
    leaseMs: 60_000,
    quotaBytes: 10 * MiB,
    now: T0,
    ...overrides,
  };
}

let dir: string;
let catalog: Catalog;

beforeEach(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'exai-catalog-'));
  catalog = await openSqliteCatalog({ dir: path.join(dir, 'data'), now: () => T0 });
});

afterEach(async () => {
  await catalog.close();
  await fs.rm(dir, { recursive: true, force: true });
});

async function claimed(input: ClaimInput = claimInput()) {
  const result = await catalog.claim(input);
  if (result.kind !== 'claimed') throw new Error(`expected claimed, got ${result.kind}`);
  return result.record;
}

describe('openSqliteCatalog', () => {
  it('creates a private directory and file', async () => {
    const dataDir = path.join(dir, 'data');
    expect((await fs.stat(dataDir)).mode & 0o777).toBe(0o700);
    expect((await fs.stat(path.join(dataDir, 'catalog.sqlite'))).mode & 0o777).toBe(0o600);
  });

  it('keeps data across close and reopen (a restart), and reopening migrates nothing twice', async () => {
    const record = await claimed();
    await catalog.complete(record.id, 'file-1', T0 + 1);
    await catalog.close();
    catalog = await openSqliteCatalog({ dir: path.join(dir, 'data') });
    const again = await openSqliteCatalog({ dir: path.join(dir, 'data') });
    expect((await again.findActive(claimInput()))?.providerFileId).toBe('file-1');
    await again.close();
    expect(await catalog.list({})).toHaveLength(1);
  });

  it('opens read-only for listing but refuses writes with a CATALOG_ERROR naming the file', async () => {
    await claimed();
    const reader = await openSqliteCatalog({ dir: path.join(dir, 'data'), readonly: true });
    try {
      expect(await reader.list({ userId: 'alice' })).toHaveLength(1);
      const err = await reader.claim(claimInput({ sha256: SHA_B })).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ExaiError);
      expect((err as ExaiError).name).toBe('CATALOG_ERROR');
      expect((err as ExaiError).hint).toContain('catalog.sqlite');
    } finally {
      await reader.close();
    }
  });

  it('reports a damaged catalog file as CATALOG_ERROR with a hint', async () => {
    const bad = path.join(dir, 'bad');
    await fs.mkdir(bad);
    await fs.writeFile(path.join(bad, 'catalog.sqlite'), 'this is not a database, just text padding '.repeat(50));
    const err = await openSqliteCatalog({ dir: bad }).catch((e: unknown) => e);
    expect((err as ExaiError).name).toBe('CATALOG_ERROR');
    expect((err as ExaiError).hint).toMatch(/damaged/);
  });
});

describe('claim', () => {
  it('claims, completes, then serves a dedup hit without a new row', async () => {
    const record = await claimed();
    expect(record).toMatchObject({ status: 'uploading', leaseExpiresAt: T0 + 60_000, sizeBytes: MiB });
    const active = await catalog.complete(record.id, 'file-abc', T0 + 5, { storagePath: 'alice/x' });
    expect(active).toMatchObject({ status: 'active', providerFileId: 'file-abc', storagePath: 'alice/x', leaseExpiresAt: null });
    const hit = await catalog.claim(claimInput({ now: T0 + 10 }));
    expect(hit).toMatchObject({ kind: 'active', record: { id: record.id } });
    expect(await catalog.list({})).toHaveLength(1);
  });

  it('reconciles an expired claim (a crashed upload) and claims afresh', async () => {
    const crashed = await claimed();
    const fresh = await claimed(claimInput({ now: T0 + 60_000 }));
    expect(fresh.id).not.toBe(crashed.id);
    const [old] = await catalog.findByRef('alice', crashed.id);
    expect(old).toMatchObject({ status: 'failed', error: 'lease expired (crashed upload?)' });
    expect((await catalog.usage('alice')).usedBytes).toBe(MiB);
  });

  it('a renewed lease keeps a long upload from being reconciled', async () => {
    const record = await claimed();
    await catalog.renewLease(record.id, 60_000, T0 + 50_000);
    expect(await catalog.reconcileExpired(T0 + 70_000)).toEqual([]);
    expect((await catalog.claim(claimInput({ now: T0 + 70_000 }))).kind).toBe('busy');
  });

  it('refuses a claim over quota with used/limit/needed and inserts nothing', async () => {
    await claimed(claimInput({ sizeBytes: 9 * MiB }));
    const err = await catalog.claim(claimInput({ sha256: SHA_B, sizeBytes: 2 * MiB })).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ExaiError);
    expect((err as ExaiError).name).toBe('QUOTA_EXCEEDED');
    expect((err as ExaiError).message).toContain('9 MiB of 10 MiB used');
    expect((err as ExaiError).message).toContain('needs 2 MiB');
    expect((err as ExaiError).hint).toContain('exai rm');
    expect(await catalog.list({})).toHaveLength(1);
  });

  it('complete refuses a claim that is no longer uploading', async () => {
    const record = await claimed();
    await catalog.reconcileExpired(T0 + 60_000);
    const err = await catalog.complete(record.id, 'file-late', T0 + 61_000).catch((e: unknown) => e);
    expect((err as ExaiError).name).toBe('CATALOG_ERROR');
    expect((err as ExaiError).message).toContain('status failed');
    const missing = await catalog.complete('nope', 'x', T0).catch((e: unknown) => e);
    expect((missing as ExaiError).name).toBe('NOT_IN_CATALOG');
  });
});

describe('usage and deletion', () => {
  it('counts uploading and active bytes and gives them back on delete', async () => {
    const a = await claimed();
    await catalog.complete(a.id, 'file-a', T0 + 1);
    await claimed(claimInput({ sha256: SHA_B, sizeBytes: 2 * MiB }));
    expect(await catalog.usage('alice')).toEqual({ usedBytes: 3 * MiB, activeFiles: 1, uploadingFiles: 1 });
    const deleted = await catalog.markDeleted(a.id, 'user', T0 + 2);
    expect(deleted).toMatchObject({ status: 'deleted', deletedAt: T0 + 2, deletionReason: 'user' });
    expect((await catalog.usage('alice')).usedBytes).toBe(2 * MiB);
    expect((await catalog.markDeleted(a.id, 'retention', T0 + 3)).deletionReason).toBe('user');
    // After deletion the same content can be uploaded again.
    expect((await catalog.claim(claimInput({ now: T0 + 4 }))).kind).toBe('claimed');
  });
});

describe('findByRef', () => {
  it('finds by provider file id and by a sha256 prefix of at least 6 hex chars', async () => {
    const a = await claimed();
    await catalog.complete(a.id, 'file-xyz', T0 + 1);
    expect((await catalog.findByRef('alice', 'file-xyz')).map((r) => r.id)).toEqual([a.id]);
    expect((await catalog.findByRef('alice', SHA_A.slice(0, 6).toUpperCase())).map((r) => r.id)).toEqual([a.id]);
    expect(await catalog.findByRef('alice', SHA_A.slice(0, 5))).toEqual([]);
    expect(await catalog.findByRef('alice', '%')).toEqual([]);
    expect(await catalog.findByRef('alice', 'aaaa_%')).toEqual([]);
    expect(await catalog.findByRef('bob', 'file-xyz')).toEqual([]);
  });

  it('skips deleted rows and returns several matches for an ambiguous prefix', async () => {
    const a = await claimed();
    await claimed(claimInput({ sha256: SHA_A.slice(0, 10) + 'f'.repeat(54) }));
    expect(await catalog.findByRef('alice', SHA_A.slice(0, 8))).toHaveLength(2);
    await catalog.markDeleted(a.id, 'user', T0 + 1);
    expect(await catalog.findByRef('alice', SHA_A.slice(0, 8))).toHaveLength(1);
  });
});

describe('list', () => {
  it('returns newest first and filters by user, provider, status, since and limit', async () => {
    const shas = ['1', '2', '3', '4'].map((c) => c.repeat(64));
    for (const [i, sha] of shas.entries()) {
      await claimed(claimInput({ sha256: sha, now: T0 + i * 1000, provider: i === 3 ? 'kimi' : 'local' }));
    }
    const all = await catalog.list({ userId: 'alice' });
    expect(all.map((r) => r.sha256)).toEqual([...shas].reverse());
    expect(await catalog.list({ provider: 'kimi' })).toHaveLength(1);
    expect((await catalog.list({ since: T0 + 2000 })).map((r) => r.sha256)).toEqual([shas[3], shas[2]]);
    expect((await catalog.list({ limit: 1 })).map((r) => r.sha256)).toEqual([shas[3]]);
    await catalog.fail(all[0]!.id, 'x', T0 + 5000);
    expect(await catalog.list({ status: 'failed' })).toHaveLength(1);
    expect(await catalog.list({ status: 'uploading' })).toHaveLength(3);
    expect(await catalog.list({ userId: 'bob' })).toEqual([]);
  });

  it('reconcileExpired fails only expired claims and returns them', async () => {
    await claimed(claimInput({ leaseMs: 1000 }));
    await claimed(claimInput({ sha256: SHA_B, leaseMs: 5000 }));
    const changed = await catalog.reconcileExpired(T0 + 2000);
    expect(changed.map((r) => r.sha256)).toEqual([SHA_A]);
    expect(changed[0]?.status).toBe('failed');
    expect((await catalog.usage('alice')).uploadingFiles).toBe(1);
  });
});
