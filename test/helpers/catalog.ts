/** Catalog tests: a fresh SQLite catalog per test, and claim inputs built from defaults. */
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach } from 'vitest';
import { openSqliteCatalog } from '../../src/catalog/sqlite.js';
import type { Catalog, ClaimInput } from '../../src/catalog/types.js';

/** A claim for 'alice' at `now`, with `defaults` then `overrides` applied. */
export function claimInputFrom(defaults: Partial<ClaimInput>): (overrides?: Partial<ClaimInput>) => ClaimInput {
  return (overrides = {}) => ({
    userId: 'alice',
    provider: 'kimi',
    purpose: 'file-extract',
    sha256: 'a'.repeat(64),
    sizeBytes: 1024 * 1024,
    mimeType: 'application/pdf',
    originalName: 'report.pdf',
    leaseMs: 60_000,
    quotaBytes: 1024 * 1024 * 1024,
    now: CLAIM_T0,
    ...defaults,
    ...overrides,
  });
}

/** The `now` claimInputFrom uses unless told otherwise. */
export const CLAIM_T0 = 1_700_000_000_000;

/**
 * Open a fresh catalog in a temp dir before each test and remove it after; `get()` returns it.
 * Reads judge leases at `now` (the catalog's read clock), CLAIM_T0 unless given.
 */
export function useTempCatalog(prefix: string, now: () => number = () => CLAIM_T0): { get(): Catalog } {
  let dir = '';
  let catalog: Catalog | undefined;
  beforeEach(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), prefix));
    catalog = await openSqliteCatalog({ dir: path.join(dir, 'data'), now });
  });
  afterEach(async () => {
    await catalog?.close();
    await fs.rm(dir, { recursive: true, force: true });
  });
  return {
    get: () => {
      if (catalog === undefined) throw new Error('useTempCatalog: no catalog outside a test');
      return catalog;
    },
  };
}
