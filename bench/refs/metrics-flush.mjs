/**
 * Spawned by bench/gc.mjs: the metrics cost of a run that exports nothing, in-process. The
 * SQLite driver is loaded first, as an upload has by then; prints JSON {empty_ms, recorded_ms,
 * prom_client_loaded} with medians over argv[3] rounds against state dir argv[2].
 */
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import path from 'node:path';
import process from 'node:process';

const [, , stateDir, roundsText] = process.argv;
const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..', '..');
const load = (p) => import(pathToFileURL(path.join(root, 'dist', p)).href);
const { loadSqliteDriver } = await load('core/sqlite-driver.js');
const { createRecorder, flushMetrics } = await load('core/metrics/index.js');
await loadSqliteDriver();
const median = (xs) => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const time = async (fill) => {
  const out = [];
  for (let i = 0; i < Number(roundsText); i++) {
    const recorder = createRecorder();
    fill(recorder);
    const t = process.hrtime.bigint();
    await flushMetrics(recorder, { stateDir });
    out.push(Number(process.hrtime.bigint() - t) / 1e6);
  }
  return median(out);
};
const emptyMs = await time(() => undefined);
const recordedMs = await time((r) => {
  r.inc('dedupHits');
  r.inc('uploadAttempts', { provider: 'kimi', outcome: 'deduplicated' });
  r.observe('lockWait', {}, 0.001);
});
const loaded = Object.keys(createRequire(import.meta.url).cache).some((k) => k.includes('prom-client'));
process.stdout.write(JSON.stringify({ empty_ms: emptyMs, recorded_ms: recordedMs, prom_client_loaded: loaded }));
