/**
 * Several processes (separate connections to one file) race to claim the same content.
 * Runs the BUILT catalog from dist/ (`npm run build` first; `npm test` does it).
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openSqliteCatalog } from '../../../src/catalog/sqlite.js';
import { LATEST_VERSION, migrate, readSchemaVersion } from '../../../src/catalog/migrations.js';

const run = promisify(execFile);
const DIST = new URL('../../../dist/catalog/sqlite.js', import.meta.url).href;

// Each child waits for a shared start instant so the claims really overlap.
const CHILD = `
const { openSqliteCatalog } = await import(${JSON.stringify(DIST)});
const [dir, startAt] = process.argv.slice(1);
const catalog = await openSqliteCatalog({ dir });
await new Promise((r) => setTimeout(r, Math.max(0, Number(startAt) - Date.now())));
const result = await catalog.claim({
  userId: 'alice', provider: 'local', purpose: 'file-extract', sha256: 'c'.repeat(64),
  sizeBytes: 10, mimeType: 'text/plain', originalName: 'a.txt', leaseMs: 60000, quotaBytes: 1e9, now: Date.now(),
});
await catalog.close();
process.stdout.write(JSON.stringify({ kind: result.kind, id: result.record.id }));
`;

let dir: string;
beforeEach(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'exai-catalog-race-'));
});
afterEach(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

describe('SQLite catalog across processes', () => {
  it('the dedup key holds when 6 processes race one claim: one claimed, the rest busy', async () => {
    const startAt = Date.now() + 1500;
    const children = Array.from({ length: 6 }, () =>
      run(process.execPath, ['--input-type=module', '-e', CHILD, dir, String(startAt)]),
    );
    const results = (await Promise.all(children)).map((r) => JSON.parse(r.stdout) as { kind: string; id: string });
    expect(results.filter((r) => r.kind === 'claimed')).toHaveLength(1);
    expect(results.filter((r) => r.kind === 'busy')).toHaveLength(5);
    expect(new Set(results.map((r) => r.id)).size).toBe(1);
    const catalog = await openSqliteCatalog({ dir });
    expect(await catalog.list({})).toHaveLength(1);
    await catalog.close();
  });

  it('6 processes racing 30 claims near the quota stop exactly at it (running totals, migration 4)', async () => {
    const seed = await openSqliteCatalog({ dir });
    const base = { userId: 'alice', provider: 'local' as const, purpose: 'file-extract', mimeType: 'text/plain', originalName: 'a.txt', leaseMs: 60_000, quotaBytes: 1000 };
    const first = await seed.claim({ ...base, sha256: 'e'.repeat(64), sizeBytes: 350, now: Date.now() });
    await seed.complete(first.record.id, 'file-seed', Date.now());
    await seed.close();
    const racer = `
      const { openSqliteCatalog } = await import(${JSON.stringify(DIST)});
      const [dir, startAt, who] = process.argv.slice(1);
      const catalog = await openSqliteCatalog({ dir });
      await new Promise((r) => setTimeout(r, Math.max(0, Number(startAt) - Date.now())));
      const kinds = [];
      for (let i = 0; i < 5; i++) {
        const sha256 = (who + '-' + i).padStart(64, '0').replace(/[^0-9a-f]/g, 'f');
        kinds.push(await catalog.claim({ ...${JSON.stringify(base)}, sha256, sizeBytes: 100, now: Date.now() })
          .then((r) => r.kind, (e) => e.name));
      }
      await catalog.close();
      process.stdout.write(JSON.stringify(kinds));
    `;
    const startAt = Date.now() + 1500;
    const children = Array.from({ length: 6 }, (_, k) => run(process.execPath, ['--input-type=module', '-e', racer, dir, String(startAt), String(k)]));
    const kinds = (await Promise.all(children)).flatMap((r) => JSON.parse(r.stdout) as string[]);
    expect(kinds.filter((k) => k === 'claimed')).toHaveLength(6);
    expect(kinds.filter((k) => k === 'QUOTA_EXCEEDED')).toHaveLength(24);
    const catalog = await openSqliteCatalog({ dir });
    expect(await catalog.usage('alice')).toEqual({ usedBytes: 950, activeFiles: 1, uploadingFiles: 6 });
    await catalog.close();
  });

  it('a process killed mid-upload leaves a claim that expires and is reconciled', async () => {
    const crash = `
      const { openSqliteCatalog } = await import(${JSON.stringify(DIST)});
      const catalog = await openSqliteCatalog({ dir: process.argv[1] });
      await catalog.claim({ userId: 'alice', provider: 'local', purpose: 'file-extract', sha256: 'a'.repeat(64),
        sizeBytes: 10, mimeType: 'text/plain', originalName: 'a.txt', leaseMs: 1000, quotaBytes: 1e9, now: 5000 });
      process.kill(process.pid, 'SIGKILL');
    `;
    await expect(run(process.execPath, ['--input-type=module', '-e', crash, dir])).rejects.toMatchObject({ signal: 'SIGKILL' });
    const catalog = await openSqliteCatalog({ dir });
    const input = {
      userId: 'alice', provider: 'local' as const, purpose: 'file-extract', sha256: 'a'.repeat(64),
      sizeBytes: 10, mimeType: 'text/plain', originalName: 'a.txt', leaseMs: 1000, quotaBytes: 1e9,
    };
    expect((await catalog.claim({ ...input, now: 5500 })).kind).toBe('busy');
    expect((await catalog.claim({ ...input, now: 6000 })).kind).toBe('claimed');
    expect((await catalog.list({ status: 'failed' }))[0]?.error).toBe('lease expired (crashed upload?)');
    await catalog.close();
  });

  it('two Catalog instances on one file see each other and never both claim', async () => {
    const one = await openSqliteCatalog({ dir });
    const two = await openSqliteCatalog({ dir });
    const input = {
      userId: 'alice', provider: 'local' as const, purpose: 'file-extract', sha256: 'd'.repeat(64),
      sizeBytes: 10, mimeType: 'text/plain', originalName: 'a.txt', leaseMs: 60_000, quotaBytes: 1e9, now: 1000,
    };
    const kinds = (await Promise.all([one.claim(input), two.claim(input)])).map((r) => r.kind).sort();
    expect(kinds).toEqual(['busy', 'claimed']);
    await Promise.all([one.close(), two.close()]);
  });

  it('migrations are idempotent: running them again changes nothing', async () => {
    const catalog = await openSqliteCatalog({ dir });
    await catalog.close();
    const { default: Database } = await import('better-sqlite3');
    const db = new Database(path.join(dir, 'catalog.sqlite'));
    try {
      expect(readSchemaVersion(db)).toBe(LATEST_VERSION);
      expect(migrate(db)).toEqual([]);
      expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    } finally {
      db.close();
    }
  });
});
