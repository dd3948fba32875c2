/**
 * SQLITE_BUSY under load (`node bench/sqlite-busy.mjs`, after `npm run build`, or through
 * bench/run.mjs). Each round, N processes (EXAI_STRESS_PROCS, default 12) released at one
 * instant open a FRESH state store, hash cache and catalog in one dir, then claim, renew,
 * complete or fail, and list, a few times each, with CPU hogs (one per core) beside them.
 * A second case adds a rival that holds each fresh file's write lock for 100 ms across the
 * barrier: what a rival opener descheduled inside its own WAL switch holds on a loaded machine.
 * Any failure is printed with SQLite's extended code (SQLITE_BUSY, SQLITE_BUSY_SNAPSHOT, …)
 * and the step it hit. Target: 0 failed processes. EXAI_STRESS_ROUNDS sets the rounds
 * (default 20); EXAI_BENCH_DIST points at another build's dist/ for a before/after run.
 * The deterministic version is test/unit/core/sqlite-wal.test.ts (the race it widens here
 * needs a process descheduled inside one PRAGMA, so it is rare on an idle machine).
 */
import { spawn } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import process from 'node:process';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import * as benchLib from './lib.mjs';

const ROUNDS = Math.max(1, Number(process.env.EXAI_STRESS_ROUNDS) || 20);
const PROCS = Math.max(2, Number(process.env.EXAI_STRESS_PROCS) || 12);
const DIST = process.env.EXAI_BENCH_DIST || path.join(benchLib.ROOT, 'dist');
const dist = (p) => JSON.stringify(pathToFileURL(path.join(DIST, p)).href);

const RACER = `
const { randomBytes } = await import('node:crypto');
const { openSqliteCatalog } = await import(${dist('catalog/sqlite.js')});
const { openStateStore } = await import(${dist('core/state/store.js')});
const { openHashCache } = await import(${dist('core/files/hash-cache.js')});
const [dir, startAt] = process.argv.slice(1);
while (Date.now() < Number(startAt)) {}
let step = 'state store';
try {
  const store = await openStateStore(dir);
  step = 'hash cache'; const cache = await openHashCache(dir);
  step = 'catalog'; const catalog = await openSqliteCatalog({ dir });
  for (let i = 0; i < 4; i++) {
    const now = Date.now();
    step = 'claim';
    const claim = await catalog.claim({ userId: 'u', provider: 'local', purpose: 'file-extract',
      sha256: randomBytes(32).toString('hex'), sizeBytes: 10, mimeType: 'text/plain', originalName: 'a.txt',
      leaseMs: 60000, quotaBytes: 1e12, now });
    step = 'renew'; await catalog.renewLease(claim.record.id, 60000, now);
    step = i % 2 ? 'complete' : 'fail';
    if (i % 2) await catalog.complete(claim.record.id, 'f-' + claim.record.id, now);
    else await catalog.fail(claim.record.id, 'bench', now);
    step = 'list'; await catalog.list({ userId: 'u' });
    step = 'state write'; store.transaction((db) => db.prepare("INSERT INTO kv (key, value) VALUES ('n', '1') ON CONFLICT (key) DO UPDATE SET value = value + 1").run());
  }
  step = 'read-only catalog'; const ro = await openSqliteCatalog({ dir, readonly: true }); await ro.list({}); await ro.close();
  step = 'close'; await catalog.close(); cache.close(); store.close();
  process.stdout.write('ok');
} catch (err) {
  let cause = err;
  while (cause && !String(cause.code ?? '').startsWith('SQLITE_')) cause = cause.cause;
  process.stdout.write('step=' + step + ' code=' + (cause?.code ?? err.code) + ' ' + String(err.message).slice(0, 120));
}
`;

const DRIVER = JSON.stringify(createRequire(path.join(benchLib.ROOT, 'package.json')).resolve('better-sqlite3'));

const RIVAL = `
const fs = await import('node:fs');
const path = await import('node:path');
const { default: Database } = await import(${DRIVER});
const [dir, startAt] = process.argv.slice(1);
fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
const held = ['state.sqlite', 'hash-cache.sqlite', 'catalog.sqlite'].map((name) => {
  const file = path.join(dir, name);
  fs.closeSync(fs.openSync(file, 'a', 0o600));
  const db = new Database(file);
  db.exec('BEGIN IMMEDIATE');
  return db;
});
while (Date.now() < Number(startAt) + 100) {}
for (const db of held) { db.exec('COMMIT'); db.close(); }
process.stdout.write('ok');
`;

function runChild(args, script = RACER) {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--input-type=module', '-e', script, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    child.on('close', () => resolve(out.trim()));
  });
}

/** One busy loop per core, in child processes, until stopped. */
function startHogs() {
  return Array.from({ length: os.availableParallelism() }, () =>
    spawn(process.execPath, ['-e', 'for (;;) {}'], { stdio: 'ignore' }),
  );
}

/** Every round's failures as "round: step=… code=…" lines. */
export async function stress(rounds = ROUNDS, procs = PROCS, withRival = false) {
  const failures = [];
  const hogs = startHogs();
  try {
    for (let round = 0; round < rounds; round++) {
      const dir = await benchLib.makeTempDir('exai-sqlite-busy-');
      try {
        // Far enough ahead that every child has loaded the modules before the barrier.
        const startAt = String(Date.now() + 800);
        const rival = withRival ? [runChild([dir, startAt], RIVAL)] : [];
        const outs = await Promise.all([...rival, ...Array.from({ length: procs }, () => runChild([dir, startAt]))]);
        for (const out of outs) if (out !== 'ok') failures.push(`${round}: ${out}`);
      } finally {
        await benchLib.removeDir(dir);
      }
    }
  } finally {
    for (const hog of hogs) hog.kill();
  }
  return failures;
}

/** bench/run.mjs entry: the processes that failed (target 0). */
export async function run(lib = benchLib) {
  const rows = [];
  for (const withRival of [false, true]) {
    const failures = await stress(ROUNDS, PROCS, withRival);
    const name = `${PROCS} processes on a fresh catalog + CPU hogs${withRival ? ' + a rival mid-WAL-switch' : ''}: failed processes`;
    rows.push(lib.limitRow(name, failures.length, 'processes', 0, { rounds: ROUNDS, failures: failures.slice(0, 5) }));
  }
  return rows;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  let failed = 0;
  for (const withRival of [false, true]) {
    const failures = await stress(ROUNDS, PROCS, withRival);
    failed += failures.length;
    for (const line of failures.slice(0, 10)) process.stdout.write(`${line}\n`);
    const rival = withRival ? ' + a rival mid-WAL-switch' : '';
    process.stdout.write(`${failures.length === 0 ? 'ok  ' : 'MISS'} ${PROCS} processes × ${ROUNDS} rounds, fresh catalog, CPU hogs${rival}: ${failures.length} failed (${DIST})\n`);
  }
  process.exitCode = failed === 0 ? 0 : 1;
}
