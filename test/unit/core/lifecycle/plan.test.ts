import { describe, expect, it } from 'vitest';
import type { FileRecord } from '../../../../src/catalog/types.js';
import { checkDeleteLimit, planGc, referencedFileIds, resolveGcPolicy, type GcInputs } from '../../../../src/core/lifecycle/index.js';
import type { RemoteFile } from '../../../../src/providers/types.js';

const NOW = 1_800_000_000_000;
const DAY = 86_400_000;

function row(over: Partial<FileRecord>): FileRecord {
  return {
    id: over.id ?? 'r', userId: 'u', provider: 'kimi', purpose: 'file-extract', providerFileId: null, sha256: 'a'.repeat(64),
    sizeBytes: 10, mimeType: 'text/plain', originalName: 'n.txt', storagePath: null, status: 'active', leaseExpiresAt: null,
    createdAt: NOW - DAY, updatedAt: NOW, deletedAt: null, deletionReason: null, error: null, lockGeneration: null, ...over,
  };
}
const remote = (id: string, ageMs: number): RemoteFile => ({ id, bytes: 7, filename: 'f', purpose: 'file-extract', createdAt: (NOW - ageMs) / 1000 });
const policy = resolveGcPolicy({ retentionDays: 30, onlyFailed: false, orphans: true });

function inputs(rows: FileRecord[], files: RemoteFile[] = []): GcInputs {
  return { rows, referencedIds: referencedFileIds(rows), listings: [{ provider: 'kimi', files }], now: NOW, policy };
}

describe('planGc', () => {
  it('is a pure function: the same inputs give the same plan, and the inputs are not changed', () => {
    const rows = [row({ id: 'old', providerFileId: 'c1', createdAt: NOW - 40 * DAY })];
    const input = inputs(rows, [remote('c1', 40 * DAY)]);
    const frozen = JSON.stringify(input.rows);
    expect(planGc(input)).toEqual(planGc(input));
    expect(JSON.stringify(input.rows)).toBe(frozen);
  });

  it('keeps live uploads however old, plans expired ones as failed', () => {
    const live = row({ id: 'live', status: 'uploading', leaseExpiresAt: NOW + 1000, createdAt: NOW - 90 * DAY });
    const dead = row({ id: 'dead', status: 'uploading', leaseExpiresAt: NOW - 1, createdAt: NOW - 90 * DAY });
    const plan = planGc(inputs([live, dead]));
    expect(plan.delete.map((c) => [c.record?.id, c.action])).toEqual([['dead', 'purge-failed']]);
    expect(plan.expired.map((r) => r.id)).toEqual(['dead']);
    expect(plan.keepCount).toBe(1);
  });

  it('counts bytes freed and quota given back from active rows only', () => {
    const plan = planGc(inputs([row({ id: 'a', providerFileId: 'c1', createdAt: NOW - 31 * DAY, sizeBytes: 100 }), row({ id: 'f', status: 'failed', createdAt: NOW - 31 * DAY, sizeBytes: 50 })], [remote('c1', DAY)]));
    expect(plan.bytesFreed).toBe(150);
    expect(plan.quotaFreed).toBe(100);
  });

  it('never calls a provider file an orphan when the referencing rows are unknown', () => {
    const plan = planGc({ ...inputs([], [remote('cx', 5 * DAY)]), referencedIds: undefined });
    expect(plan.orphans).toEqual([]);
  });

  it('an hour is the orphan age limit, inclusive', () => {
    const plan = planGc(inputs([], [remote('edge', 3_600_000), remote('young', 3_599_000)]));
    expect(plan.orphans.map((o) => o.fileId)).toEqual(['edge']);
  });
});

describe('policy checks', () => {
  it('refuses a zero retention from config, allows an explicit --older-than 0', () => {
    expect(() => resolveGcPolicy({ retentionDays: 0, onlyFailed: false, orphans: false })).toThrow(/refusing/);
    expect(resolveGcPolicy({ retentionDays: 30, olderThanMs: 0, onlyFailed: false, orphans: false }).olderThanMs).toBe(0);
    expect(() => resolveGcPolicy({ retentionDays: 30, olderThanMs: -1, onlyFailed: false, orphans: false })).toThrow(/refusing/);
  });

  it('--max-delete counts every planned deletion', () => {
    const plan = planGc(inputs([row({ id: 'x', createdAt: NOW - 40 * DAY }), row({ id: 'y', status: 'failed', createdAt: NOW - 40 * DAY })]));
    expect(() => checkDeleteLimit(plan, 2)).not.toThrow();
    expect(() => checkDeleteLimit(plan, 1)).toThrow(expect.objectContaining({ name: 'DELETE_LIMIT_EXCEEDED' }));
  });
});
