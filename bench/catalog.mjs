/**
 * Claim + complete (the catalog's share of every upload) with 1,000 vs 100,000 existing rows
 * of the same user, SQLite in-process (dist/catalog/sqlite.js, built by npm run bench). Target:
 * the 100k cost within 1.5× of the 1k cost, both measured in interleaved rounds of the same
 * run. Before migration 4 each claim summed all of the user's rows; `full_recount_ms` shows
 * what that sum alone costs at 100k. With EXAI_TEST_PG_URL, the same on PostgreSQL
 * (bench/refs/pg-claim-scale.mjs).
 */
import { createHash } from 'node:crypto';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import Database from 'better-sqlite3';

const SIZES = [1_000, 100_000];
const ROUNDS = 7;
const PER_ROUND = 300;
const USER = 'bench-user';

/** Catalog rows for bench/run.mjs. */
export async function run(lib) {
  const root = await lib.makeTempDir('exai-bench-catalog-');
  try {
    const { openSqliteCatalog } = await import(pathToFileURL(path.join(lib.ROOT, 'dist', 'catalog', 'sqlite.js')).href);
    const catalogs = [];
    for (const n of SIZES) catalogs.push(await seeded(openSqliteCatalog, path.join(root, String(n)), n));
    const times = SIZES.map(() => []);
    let serial = 0;
    for (let r = 0; r < ROUNDS; r++) {
      for (let i = 0; i < catalogs.length; i++) times[i].push(await claimComplete(catalogs[i], PER_ROUND, () => serial++));
    }
    const [t1k, t100k] = times.map(median);
    const recount = fullRecount(path.join(root, String(SIZES[1]), 'catalog.sqlite'));
    for (const c of catalogs) await c.close();
    const per = (s) => Math.round((s / PER_ROUND) * 1e8) / 100;
    return [
      lib.ratioRow('catalog claim+complete (SQLite), 100k rows vs 1k rows', t100k, '1k rows (same run)', t1k, 1.5, { us_per_upload_1k: per(t1k), us_per_upload_100k: per(t100k), full_recount_ms: recount }),
      ...(await pgRows(lib)),
    ];
  } finally {
    await lib.removeDir(root);
  }
}

/** A catalog with `n` active rows of USER (inserted in one transaction, triggers firing). */
async function seeded(open, dir, n) {
  const catalog = await open({ dir });
  await catalog.close();
  const db = new Database(path.join(dir, 'catalog.sqlite'));
  const insert = db.prepare(`INSERT INTO files (id, user_id, provider, purpose, provider_file_id, sha256, size_bytes, mime_type, original_name, status, created_at, updated_at)
    VALUES (?, ?, 'kimi', 'file-extract', ?, ?, 1000, 'text/plain', 'seed.txt', 'active', ?, ?)`);
  const now = Date.now();
  db.transaction(() => {
    for (let i = 0; i < n; i++) insert.run(`seed-${i}`, USER, `file-seed-${i}`, sha(`seed-${i}`), now - i, now - i);
  })();
  db.exec('ANALYZE');
  db.close();
  return open({ dir });
}

/** Seconds for `count` claim+complete pairs of new content. */
async function claimComplete(catalog, count, next) {
  const start = process.hrtime.bigint();
  for (let i = 0; i < count; i++) {
    const now = Date.now();
    const k = next();
    const claim = await catalog.claim({ userId: USER, provider: 'kimi', purpose: 'file-extract', sha256: sha(`new-${k}`), sizeBytes: 2000 + k,
      mimeType: 'text/plain', originalName: 'new.txt', leaseMs: 60_000, quotaBytes: 1e12, now });
    await catalog.complete(claim.record.id, `file-new-${k}`, now);
  }
  return Number(process.hrtime.bigint() - start) / 1e9;
}

/** Milliseconds of the sum every claim ran before migration 4 (median of 5). */
function fullRecount(file) {
  const db = new Database(file, { readonly: true });
  const sum = db.prepare(`SELECT COALESCE(SUM(size_bytes), 0) FROM files WHERE user_id = ? AND (status = 'active' OR (status = 'uploading' AND lease_expires_at > ?))`);
  const runs = [];
  for (let i = 0; i < 5; i++) {
    const start = process.hrtime.bigint();
    sum.get(USER, Date.now());
    runs.push(Number(process.hrtime.bigint() - start) / 1e6);
  }
  db.close();
  return Math.round(median(runs) * 100) / 100;
}

async function pgRows(lib) {
  if (!process.env.EXAI_TEST_PG_URL) {
    const reason = 'EXAI_TEST_PG_URL is not set (eval "$(scripts/pg-start.sh)")';
    return [{ name: 'catalog claim+complete (PostgreSQL)', exai_s: null, ref_name: null, ref_s: null, ratio: null, target: 'skipped', pass: true, extra: { reason } }];
  }
  const { measurePgClaimScale } = await import('./refs/pg-claim-scale.mjs');
  return measurePgClaimScale(lib);
}

function sha(s) {
  return createHash('sha256').update(s).digest('hex');
}

function median(xs) {
  return [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
}
