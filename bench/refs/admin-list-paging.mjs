/**
 * The operator's listing (exai_admin_list) over 100,000 rows on a real PostgreSQL, paged the
 * way the client pages (10,000 rows a call): by key (created_at, id) as it does now, and by
 * OFFSET as it did before migration 20261130140000. Server time only (count(*) over the
 * function, no rows shipped), each page the median of a few runs. Linear paging means the
 * last page costs what the first does; OFFSET's last page re-reads the 90,000 rows before it.
 * Needs EXAI_TEST_PG_URL (scripts/pg-start.sh); helpers bundled from test/helpers with esbuild.
 */
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { build } from 'esbuild';

const ROWS = 100_000;
const PAGE = 10_000;
const REPEAT = 5;
const SERVICE = { role: 'service_role' };

/** Rows for bench/gc.mjs: key paging flat (last page / first page), and key vs offset over the whole walk. */
export async function measureAdminListPaging(lib) {
  const cache = path.join(lib.ROOT, 'bench', '.cache-paging');
  const outfile = path.join(cache, 'pg-request.mjs');
  await build({ entryPoints: [path.join(lib.ROOT, 'test/helpers/pg-request.ts')], bundle: true, platform: 'node', format: 'esm', packages: 'external', outfile, logLevel: 'silent' });
  const { openTestDb } = await import(pathToFileURL(outfile).href);
  const db = await openTestDb();
  try {
    const uid = await db.addUser();
    await db.admin.query(
      `INSERT INTO public.files (user_id, provider, purpose, sha256, size_bytes, mime_type, original_name, status, error, created_at, updated_at)
       SELECT $1, 'kimi', 'file-extract', md5(i::text) || md5((i + 1)::text), 10, 'text/plain', 'f.txt', 'failed', 'boom',
              now() - interval '40 days' + (i / 3) * interval '1 millisecond', now()
         FROM generate_series(1, $2) AS i`,
      [uid, ROWS],
    );
    await db.admin.query('ANALYZE public.files');
    const keys = (await db.admin.query(`SELECT created_at::text AS at, id FROM public.files ORDER BY created_at, id`)).rows;
    const byKey = [];
    const byOffset = [];
    for (let p = 0; p < ROWS / PAGE; p++) {
      const last = p === 0 ? undefined : keys[p * PAGE - 1];
      byKey.push(await timed(db, 'SELECT count(*) FROM public.exai_admin_list(p_limit => $1, p_after_created_at => $2, p_after_id => $3)', [PAGE, last?.at ?? null, last?.id ?? null]));
      byOffset.push(await timed(db, 'SELECT count(*) FROM public.exai_admin_list(p_limit => $1, p_offset => $2)', [PAGE, p * PAGE]));
    }
    const sum = (xs) => xs.reduce((a, b) => a + b, 0);
    const extra = { first_page_ms: ms(byKey[0]), last_page_ms: ms(byKey.at(-1)), offset_last_page_ms: ms(byOffset.at(-1)) };
    return [
      lib.ratioRow('operator list by key, 100k rows: last page vs first page', byKey.at(-1), 'first page (same walk)', byKey[0], 1.5, extra),
      lib.ratioRow('operator list, 100k rows in 10k pages: by key vs by OFFSET (before)', sum(byKey), 'OFFSET paging', sum(byOffset), 1, { key_total_ms: ms(sum(byKey)), offset_total_ms: ms(sum(byOffset)) }),
    ];
  } finally {
    await db.close();
    await lib.removeDir(cache);
  }
}

/** Median server-side seconds of one listing call, as the service role. */
async function timed(db, sql, values) {
  const runs = [];
  for (let i = 0; i < REPEAT; i++) {
    const start = process.hrtime.bigint();
    await db.request(SERVICE, (c) => c.query(sql, values));
    runs.push(Number(process.hrtime.bigint() - start) / 1e9);
  }
  return runs.sort((a, b) => a - b)[Math.floor(REPEAT / 2)];
}

function ms(seconds) {
  return Math.round(seconds * 100_000) / 100;
}
