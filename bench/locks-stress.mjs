/**
 * Lock stress over many rounds (issue 14), in real processes: `node bench/locks-stress.mjs`
 * (after `npm run build`), or through bench/run.mjs. Each case counts the rounds that broke
 * its invariant; the target is zero. EXAI_STRESS_ROUNDS sets the rounds (default 30).
 * - stale takeover: 12 processes released at one instant (a barrier on a timestamp) against
 *   a stale lock, without and with a break guard left by a crash: never two holders at once;
 * - stalled holder: SIGSTOP a holder past its lease, take the lock over, SIGCONT: none of the
 *   stalled holder's writes goes through and the new holder's claim ends active;
 * - rm vs upload: `exai rm` of a file (file-extract) while `exai upload` of the same content
 *   for batch runs, on a local store of 3,000 sidecars: an active row's blob always exists.
 * The npm test versions (test/unit/core/lock/stress.test.ts, test/unit/core/upload/rm-race.test.ts)
 * run a round or two of each.
 */
import { execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import process from 'node:process';
import { setTimeout as sleep } from 'node:timers/promises';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import * as benchLib from './lib.mjs';

const execFileP = promisify(execFile);
const ROUNDS = Math.max(1, Number(process.env.EXAI_STRESS_ROUNDS) || 30);
const dist = (p) => JSON.stringify(pathToFileURL(path.join(benchLib.ROOT, 'dist', p)).href);
const KEY = '5'.repeat(64);

const RACER = `
import { appendFileSync } from 'node:fs';
const { acquireLock } = await import(${dist('core/lock/index.js')});
const [dir, key, log, startAt] = process.argv.slice(1);
await new Promise((r) => setTimeout(r, Math.max(0, Number(startAt) - Date.now())));
const lock = await acquireLock({ dir, key, timeoutMs: 60000, leaseMs: 6000, owner: { command: 'race' } });
appendFileSync(log, 'enter ' + process.pid + '\\n');
await new Promise((r) => setTimeout(r, 2));
appendFileSync(log, 'exit ' + process.pid + '\\n');
await lock.release();
`;

async function deadPid() {
  const child = execFile(process.execPath, ['-e', '']);
  await new Promise((resolve) => child.on('exit', resolve));
  return child.pid;
}

async function plantStale(dir, withGuard) {
  const locks = path.join(dir, 'locks');
  await fs.mkdir(locks, { recursive: true });
  const pid = await deadPid();
  const owner = { pid, hostname: os.hostname(), user: 'u', command: 'exai upload', started: new Date().toISOString(), lease_expires_at: Date.now() - 1000, nonce: 'dead', generation: 5 };
  await fs.writeFile(path.join(locks, `${KEY}.lock`), JSON.stringify(owner));
  if (withGuard) await fs.writeFile(path.join(locks, `${KEY}.lock.guard`), JSON.stringify({ pid, hostname: os.hostname(), nonce: randomBytes(6).toString('hex') }));
}

/** True when enter/exit lines interleave (two holders at once). */
function overlapped(lines, children) {
  if (lines.length !== children * 2) return true;
  for (let i = 0; i < lines.length; i += 2) {
    const pid = lines[i].split(' ')[1];
    if (lines[i] !== `enter ${pid}` || lines[i + 1] !== `exit ${pid}`) return true;
  }
  return false;
}

async function staleTakeover(withGuard, children = 12) {
  const dir = await benchLib.makeTempDir('exai-stress-lock-');
  let bad = 0;
  try {
    for (let round = 0; round < ROUNDS; round += 1) {
      await plantStale(dir, withGuard);
      const log = path.join(dir, 'log');
      await fs.writeFile(log, '');
      const startAt = String(Date.now() + 1500);
      await Promise.all(Array.from({ length: children }, () => execFileP(process.execPath, ['--input-type=module', '-e', RACER, dir, KEY, log, startAt])));
      if (overlapped((await fs.readFile(log, 'utf8')).trim().split('\n'), children)) bad += 1;
    }
  } finally {
    await benchLib.removeDir(dir);
  }
  return bad;
}

const STALLED = `
const { acquireLock } = await import(${dist('core/lock/index.js')});
const { openSqliteCatalog } = await import(${dist('catalog/sqlite.js')});
const { failAbandoned } = await import(${dist('core/upload/content-lock.js')});
const [state, data, key] = process.argv.slice(1);
const lock = await acquireLock({ dir: state, key, timeoutMs: 5000, leaseMs: 400, owner: { command: 'stalled' } });
const catalog = await openSqliteCatalog({ dir: data });
const input = { userId: 'u', provider: 'local', purpose: 'file-extract', sha256: key, sizeBytes: 10, mimeType: 'text/plain', originalName: 'a.txt', leaseMs: 400, quotaBytes: 1e9 };
const claim = await catalog.claim({ ...input, now: Date.now(), lockGeneration: lock.generation });
process.stdout.write('claimed\\n');
await new Promise((r) => process.stdin.once('data', r));
const outcome = (p) => p.then(() => 'done', (e) => e.name ?? String(e));
const out = { assertHeld: await outcome(lock.assertHeld()) };
const busy = (await catalog.list({ status: 'uploading' })).find((r) => r.id !== claim.record.id);
out.failOther = busy ? await outcome(failAbandoned(busy, { displayPath: 'a.txt' }, lock, { catalog, clock: { now: () => Date.now() }, events: {} })) : 'none';
out.complete = await outcome(catalog.complete(claim.record.id, 'dup', Date.now(), { lockGeneration: claim.record.lockGeneration }));
await lock.release();
await catalog.close();
process.stdout.write(JSON.stringify(out) + '\\n');
`;

async function stallRound(dir, mods) {
  const [state, data] = [path.join(dir, 'state'), path.join(dir, 'data')];
  const child = spawn(process.execPath, ['--input-type=module', '-e', STALLED, state, data, KEY], { stdio: ['pipe', 'pipe', 'inherit'] });
  let out = '';
  await new Promise((resolve) => child.stdout.on('data', (c) => ((out += c), out.includes('claimed') && resolve())));
  const exited = new Promise((resolve) => child.on('exit', resolve));
  process.kill(child.pid, 'SIGSTOP');
  await sleep(500 + Math.random() * 300);
  const lock = await mods.acquireLock({ dir: state, key: KEY, timeoutMs: 5000, leaseMs: 30000, owner: { command: 'new holder' } });
  const catalog = await mods.openSqliteCatalog({ dir: data });
  try {
    const claim = await catalog.claim({ userId: 'u', provider: 'local', purpose: 'file-extract', sha256: KEY, sizeBytes: 10, mimeType: 'text/plain', originalName: 'a.txt', leaseMs: 30000, quotaBytes: 1e9, now: Date.now(), lockGeneration: lock.generation });
    process.kill(child.pid, 'SIGCONT');
    child.stdin.end('go\n');
    await exited;
    const seen = JSON.parse(out.trim().split('\n').pop());
    const fenced = Object.values(seen).every((v) => v === 'LOCK_LOST');
    const done = claim.kind === 'claimed' ? await catalog.complete(claim.record.id, 'file-1', Date.now(), { lockGeneration: claim.record.lockGeneration }) : undefined;
    return fenced && done?.status === 'active';
  } finally {
    await lock.release();
    await catalog.close();
  }
}

async function stalledHolder() {
  const mods = {
    ...(await import(pathToFileURL(path.join(benchLib.ROOT, 'dist/core/lock/index.js')).href)),
    ...(await import(pathToFileURL(path.join(benchLib.ROOT, 'dist/catalog/sqlite.js')).href)),
  };
  let bad = 0;
  for (let round = 0; round < ROUNDS; round += 1) {
    const dir = await benchLib.makeTempDir('exai-stress-stall-');
    try {
      if (!(await stallRound(dir, mods))) bad += 1;
    } finally {
      await benchLib.removeDir(dir);
    }
  }
  return bad;
}

function exai(args, cwd, env) {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [benchLib.EXAI_BIN, ...args], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    child.stdout.on('data', (c) => (stdout += c));
    child.on('close', (code) => resolve({ code, stdout }));
  });
}

async function fillStore(blobs, count) {
  await fs.mkdir(blobs, { recursive: true });
  for (let i = 0; i < count; i += 500) {
    await Promise.all(Array.from({ length: Math.min(500, count - i) }, (_, k) => {
      const id = `local-${randomBytes(12).toString('hex')}`;
      const sidecar = { id, sha256: randomBytes(32).toString('hex'), filename: `f${i + k}.txt`, purpose: 'file-extract', bytes: 10, created_at: 1 };
      return fs.writeFile(path.join(blobs, `${id}.json`), JSON.stringify(sidecar));
    }));
  }
}

async function rmVersusUpload(sidecars = 3000) {
  const dir = await benchLib.makeTempDir('exai-stress-rm-');
  const env = { ...benchLib.isolatedEnv(dir), EXAI_PROVIDER: 'local' };
  for (const k of ['MOONSHOT_API_KEY', 'KIMI_API_KEY', 'ZAI_API_KEY', 'GLM_API_KEY', 'ZHIPUAI_API_KEY', 'SUPABASE_URL']) delete env[k];
  const cwd = path.join(dir, 'work');
  const blobs = path.join(dir, 'data', 'blobs');
  const { openSqliteCatalog } = await import(pathToFileURL(path.join(benchLib.ROOT, 'dist/catalog/sqlite.js')).href);
  let bad = 0;
  let incomplete = 0;
  try {
    await fs.mkdir(cwd, { recursive: true });
    await fillStore(blobs, sidecars);
    for (let round = 0; round < ROUNDS; round += 1) {
      const name = `r${round}.txt`;
      await fs.writeFile(path.join(cwd, name), `round ${round} ${randomBytes(8).toString('hex')}\n`);
      const first = JSON.parse((await exai(['upload', name, '--purpose', 'file-extract', '--json'], cwd, env)).stdout);
      const fileId = (first.files ?? first)[0]?.file_id ?? JSON.stringify(first).match(/"file_id":"([^"]+)"/)?.[1];
      const rm = exai(['rm', fileId, '--yes'], cwd, env);
      await sleep(Math.random() * 200);
      const upload = exai(['upload', name, '--purpose', 'batch'], cwd, env);
      // A round counts only when both commands succeeded (the rm really ran against the upload).
      if ((await Promise.all([rm, upload])).some((r) => r.code !== 0)) incomplete += 1;
      const catalog = await openSqliteCatalog({ dir: path.join(dir, 'data'), readonly: true });
      try {
        for (const row of await catalog.list({ status: 'active' })) {
          if (!(await fs.access(path.join(blobs, row.sha256)).then(() => true, () => false))) bad += 1;
        }
      } finally {
        await catalog.close();
      }
    }
  } finally {
    await benchLib.removeDir(dir);
  }
  return { bad, incomplete };
}

/** bench/run.mjs entry: one row per invariant, the number of rounds that broke it (target 0). */
export async function run(lib = benchLib) {
  const extra = { rounds: ROUNDS };
  const rm = await rmVersusUpload();
  return [
    lib.limitRow('stale lock, 12 processes at once: rounds with two holders', await staleTakeover(false), 'rounds', 0, extra),
    lib.limitRow('stale lock + leftover guard, 12 at once: rounds with two holders', await staleTakeover(true), 'rounds', 0, extra),
    lib.limitRow('holder SIGSTOPped past its lease: rounds where it was not fenced off', await stalledHolder(), 'rounds', 0, extra),
    lib.limitRow('rm vs upload, 3,000 sidecars: active rows without their blob', rm.bad, 'rows', 0, extra),
    lib.limitRow('rm vs upload: rounds where rm or upload failed', rm.incomplete, 'rounds', 0, extra),
  ];
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const rows = await run();
  for (const row of rows) process.stdout.write(`${row.pass ? 'ok  ' : 'MISS'} ${row.name}: ${row.extra.value} (${ROUNDS} rounds)\n`);
  process.exitCode = rows.every((r) => r.pass) ? 0 : 1;
}
