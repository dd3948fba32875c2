/**
 * exai_claim + exai_complete on a real PostgreSQL as a user with 1,000 vs one with 100,000
 * existing rows, in interleaved rounds (wall time of each request, client included). Target:
 * 100k within 1.5× of 1k. Needs EXAI_TEST_PG_URL; helpers bundled from test/helpers.
 */
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { build } from 'esbuild';

const SIZES = [1_000, 100_000];
const ROUNDS = 5;
const PER_ROUND = 100;

/** Rows for bench/catalog.mjs. */
export async function measurePgClaimScale(lib) {
  const cache = path.join(lib.ROOT, 'bench', '.cache-pg-claim');
  const outfile = path.join(cache, 'pg-request.mjs');
  await build({ entryPoints: [path.join(lib.ROOT, 'test/helpers/pg-request.ts')], bundle: true, platform: 'node', format: 'esm', packages: 'external', outfile, logLevel: 'silent' });
  const { openTestDb, user } = await import(pathToFileURL(outfile).href);
  const db = await openTestDb();
  try {
    const users = [];
    for (const n of SIZES) users.push(await seededUser(db, n));
    await db.admin.query('ANALYZE public.files');
    const times = SIZES.map(() => []);
    let serial = 0;
    for (let r = 0; r < ROUNDS; r++) {
      for (let i = 0; i < users.length; i++) times[i].push(await claimComplete(db, user(users[i]), () => serial++));
    }
    const [t1k, t100k] = times.map((xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]);
    const per = (s) => Math.round((s / PER_ROUND) * 1e8) / 100;
    return [lib.ratioRow('catalog claim+complete (PostgreSQL), 100k rows vs 1k rows', t100k, '1k rows (same run)', t1k, 1.5, { us_per_upload_1k: per(t1k), us_per_upload_100k: per(t100k) })];
  } finally {
    await db.close();
    await lib.removeDir(cache);
  }
}

/** A user with `n` rows: mostly active, some failed, deleted and crashed (expired) claims. */
async function seededUser(db, n) {
  const uid = await db.addUser();
  await db.admin.query(
    `INSERT INTO public.files (user_id, provider, purpose, provider_file_id, sha256, size_bytes, mime_type, original_name,
                               status, lease_expires_at, lock_generation, error, deleted_at, created_at, updated_at)
     SELECT $1, 'kimi', 'file-extract', CASE WHEN i % 10 < 7 THEN 'seed-' || i END, md5(i::text) || md5((i + 1)::text), 10,
            'text/plain', 'seed.txt', s, CASE WHEN s = 'uploading' THEN now() - interval '1 hour' END,
            CASE WHEN s = 'uploading' THEN i END, CASE WHEN s = 'failed' THEN 'boom' END,
            CASE WHEN s = 'deleted' THEN now() END, now() - i * interval '1 second', now()
       FROM generate_series(1, $2) AS i,
            LATERAL (SELECT CASE WHEN i % 10 < 7 THEN 'active' WHEN i % 10 < 9 THEN 'failed' ELSE 'deleted' END AS s) k`,
    [uid, n],
  );
  await db.admin.query('SELECT public.exai_admin_set_quota($1, $2, NULL)', [uid, 1e12]);
  return uid;
}

/** Seconds for PER_ROUND claim+complete pairs of new content, one request each. */
async function claimComplete(db, caller, next) {
  const start = process.hrtime.bigint();
  for (let i = 0; i < PER_ROUND; i++) {
    const k = next();
    const sha = (k.toString(16).padStart(8, '0') + 'f').repeat(8).slice(0, 64);
    const [row] = await db.rpc(caller, 'exai_claim', { p_provider: 'kimi', p_purpose: 'file-extract', p_sha256: sha, p_size_bytes: 100,
      p_mime_type: 'text/plain', p_original_name: 'new.txt', p_lease_ms: 60_000 });
    const rec = row.exai_claim.record;
    await db.rpc(caller, 'exai_complete', { p_id: rec.id, p_provider_file_id: `new-${k}`, p_lock_generation: rec.lock_generation });
  }
  return Number(process.hrtime.bigint() - start) / 1e9;
}
