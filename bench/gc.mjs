/**
 * `exai gc --dry-run --json` over a seeded catalog (mixed ages and states) and a 10,000-file
 * Kimi listing from a loopback server. Targets: 100,000 rows in ≤ 2 s and ≤ 150 MiB peak RSS,
 * and a per-row cost that stays flat from 10k to 100k rows: (t(N) − t(0)) / N at 100k within
 * 1.5× of the one at 10k, t(0) being the same command over an empty catalog (same listing),
 * all measured in turns.
 * Also: what metrics cost a run that exports none (bench/refs/metrics-flush.mjs), and with
 * EXAI_TEST_PG_URL the operator listing's paging on PostgreSQL (bench/refs/admin-list-paging.mjs).
 */
import { createHash } from 'node:crypto';
import { createServer } from 'node:http';
import path from 'node:path';
import process from 'node:process';
import Database from 'better-sqlite3';

const KEY = 'sk-bench-gc-0123456789';
const LISTED = 10_000;
const DAY = 86_400_000;

/** A Kimi `GET /v1/files` answering with `files` (one precomputed body). */
export async function startListServer(files) {
  const body = JSON.stringify({ object: 'list', data: files });
  const server = createServer((req, res) => {
    req.resume();
    const ok = req.headers.authorization === `Bearer ${KEY}` && req.method === 'GET' && req.url.startsWith('/v1/files');
    res.writeHead(ok ? 200 : 404, { 'content-type': 'application/json' });
    res.end(ok ? body : '{}');
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${server.address().port}/v1`, close: () => new Promise((r) => { server.closeAllConnections(); server.close(r); }) };
}

/**
 * `rows` catalog rows: 10% live-or-recent active rows that the listing holds, 50% active past
 * retention, 25% failed (half past retention), 10% deleted, 5% expired uploads.
 */
export async function seedCatalog(lib, dir, rows, now) {
  const env = lib.isolatedEnv(dir);
  await lib.spawnTimed(process.execPath, lib.exaiArgs('ls'), { env }); // creates and migrates the catalog
  const db = new Database(path.join(env.EXAI_DATA_DIR, 'catalog.sqlite'));
  const insert = db.prepare(`INSERT INTO files (id, user_id, provider, purpose, provider_file_id, sha256, size_bytes, mime_type, original_name, status, lease_expires_at, created_at, updated_at, error)
    VALUES (@id, @user, 'kimi', 'file-extract', @fileId, @sha, 1000, 'text/plain', @name, @status, @lease, @created, @created, @error)`);
  const user = (await import('node:os')).userInfo().username;
  db.transaction(() => {
    for (let i = 0; i < rows; i++) {
      const kind = i % 20;
      const status = kind < 12 ? 'active' : kind < 17 ? 'failed' : kind < 19 ? 'deleted' : 'uploading';
      const young = kind < 2 || (kind >= 12 && kind < 15 && i % 2 === 0);
      const created = now - (young ? (i % 20) * DAY / 10 + 1000 : (31 + (i % 300)) * DAY);
      const listedId = i < LISTED * 2 && kind < 2 ? `c${String(i).padStart(12, '0')}` : null;
      const fileId = status === 'active' ? listedId ?? `cold${i}` : status === 'deleted' ? `cdel${i}` : null;
      const sha = createHash('sha256').update(String(i)).digest('hex');
      insert.run({ id: `row-${i}`, user, fileId, sha, name: `file-${i}.txt`, status, lease: status === 'uploading' ? now - 1000 : null, created, error: status === 'failed' ? 'boom' : null });
    }
  })();
  db.close();
  return env;
}

export function listing(now) {
  // Most listed files are referenced by young rows; the rest are orphans of various ages.
  return Array.from({ length: LISTED }, (_, i) => ({ id: `c${String(i * 10).padStart(12, '0')}`, object: 'file', bytes: 1000, created_at: Math.floor((now - (i % 48) * 3_600_000) / 1000), filename: `f${i}.txt`, purpose: 'file-extract', status: 'ok' }));
}

/** The gc rows, plus the metrics-overhead row. */
export async function run(lib) {
  const now = Date.now();
  const server = await startListServer(listing(now));
  const root = await lib.makeTempDir('exai-bench-gc-');
  try {
    const envs = {};
    for (const n of [0, 10_000, 100_000]) envs[n] = { ...(await seedCatalog(lib, path.join(root, String(n)), n, now)), MOONSHOT_API_KEY: KEY, EXAI_KIMI_BASE_URL: server.url };
    const gcArgs = lib.exaiArgs('gc', '--dry-run', '--json');
    const [t0, t10k, t100k] = await lib.timeInterleaved([0, 10_000, 100_000].map((n) => ({ cmd: process.execPath, args: gcArgs, opts: { env: envs[n] } })), { runs: lib.RUNS });
    const rss = await lib.peakRssMiB(process.execPath, gcArgs, { env: envs[100_000] });
    const per10k = ((t10k.median - t0.median) / 10_000) * 1e6;
    const per100k = ((t100k.median - t0.median) / 100_000) * 1e6;
    return [
      lib.limitRow('gc --dry-run --json, 100k rows, 10k listed: time', t100k.median, 's', 2, { rows_0_s: round(t0.median), rows_10k_s: round(t10k.median) }),
      lib.limitRow('gc --dry-run --json, 100k rows: peak RSS', rss.mib, 'MiB', 150, { method: rss.method }),
      lib.limitRow('gc per-row cost flat 10k→100k (ratio of µs/row)', per100k / per10k, '×', 1.5, { us_per_row_10k: round(per10k), us_per_row_100k: round(per100k) }),
      ...(await metricsOverhead(lib, root)),
      ...(await operatorPaging(lib)),
    ];
  } finally {
    await server.close();
    await lib.removeDir(root);
  }
}

/**
 * What recording metrics costs a run that exports none: the end-of-run transaction in the
 * state database (median, in-process, driver already loaded as an upload has it), and
 * whether prom-client was loaded at all.
 */
async function metricsOverhead(lib, root) {
  const { spawn } = await import('node:child_process');
  const child = spawn(process.execPath, [path.join(lib.ROOT, 'bench', 'refs', 'metrics-flush.mjs'), path.join(root, 'metrics-state'), '41'], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout.on('data', (c) => (out += c));
  await new Promise((resolve) => child.on('close', resolve));
  const r = JSON.parse(out);
  return [lib.limitRow('metrics, none exported: end-of-run cost', r.recorded_ms, 'ms', 5, { nothing_recorded_ms: round(r.empty_ms), prom_client_loaded: r.prom_client_loaded })];
}

/** exai_admin_list paging by key on a real PostgreSQL; one skipped row without one. */
async function operatorPaging(lib) {
  if (!process.env.EXAI_TEST_PG_URL) {
    const reason = 'EXAI_TEST_PG_URL is not set (eval "$(scripts/pg-start.sh)")';
    return [{ name: 'operator list paging (PostgreSQL)', exai_s: null, ref_name: null, ref_s: null, ratio: null, target: 'skipped', pass: true, extra: { reason } }];
  }
  const { measureAdminListPaging } = await import('./refs/admin-list-paging.mjs');
  return measureAdminListPaging(lib);
}

function round(n) {
  return Math.round(n * 1000) / 1000;
}
