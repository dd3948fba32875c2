/**
 * Shared helpers for the benchmarks (not tests): spawn-and-time, peak RSS, temp dirs, rows.
 *
 * Contract for a bench module (bench/<name>.mjs): `export async function run(lib)` returning
 * an array of rows `{ name, exai_s, ref_name, ref_s, ratio, target, pass, extra }` — build
 * them with `lib.ratioRow(...)` / `lib.limitRow(...)`. bench/run.mjs prints them.
 */
import { setInterval, clearInterval } from 'node:timers';
import process from 'node:process';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root and the CLI entry the benches spawn (EXAI_BENCH_BIN: another build's bin/exai.js, for before/after). */
export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const EXAI_BIN = process.env.EXAI_BENCH_BIN || path.join(ROOT, 'bin', 'exai.js');

/** How many timed runs each measurement takes the median of (EXAI_BENCH_RUNS overrides). */
export const RUNS = Math.max(1, Number(process.env.EXAI_BENCH_RUNS) || 5);

const TIME_BIN = '/usr/bin/time';

/** Spawn a command with stdout discarded; resolves to { code, stderr, seconds }. */
export function spawnTimed(cmd, args, opts = {}) {
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    const child = spawn(cmd, args, { cwd: opts.cwd ?? ROOT, env: opts.env ?? process.env, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk) => {
      if (stderr.length < 64 * 1024) stderr += chunk;
    });
    child.on('error', reject);
    child.on('close', (code) => {
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      resolve({ code: code ?? -1, stderr, seconds });
    });
  });
}

/**
 * Median wall times of commands measured in turns (`runs` rounds after `warmup` untimed
 * ones); each round runs every command once, in order. A shared machine drifts (other jobs,
 * the host reclaiming page cache), and timing all runs of one command before all runs of
 * the other would charge that drift to one side of the ratio; in turns, both see the same
 * machine. Each entry is
 * `{ cmd, args, opts }`; opts: `cwd`, `env`, `before` (runs ahead of every spawn, e.g. to
 * delete a cache so each timed run is cold) and `okCodes` (other exit codes throw: timing a
 * command that failed early would flatter it).
 */
export async function timeInterleaved(commands, { runs = RUNS, warmup = 1 } = {}) {
  const times = commands.map(() => []);
  for (let i = 0; i < warmup + runs; i++) {
    for (const [k, { cmd, args, opts = {} }] of commands.entries()) {
      if (opts.before) await opts.before();
      const result = await spawnTimed(cmd, args, opts);
      if (!(opts.okCodes ?? [0]).includes(result.code)) {
        throw new Error(`${cmd} ${args.join(' ').slice(0, 200)} exited ${result.code}: ${result.stderr.slice(0, 500)}`);
      }
      if (i >= warmup) times[k].push(result.seconds);
    }
  }
  return times.map((t) => ({ median: median(t), times: t }));
}

/** The `node bin/exai.js …` argv for spawnTimed/timeInterleaved. */
export function exaiArgs(...args) {
  return [EXAI_BIN, ...args];
}

/** Peak resident set size of one run in MiB: GNU time's %M when installed, else VmHWM polling. */
export async function peakRssMiB(cmd, args, opts = {}) {
  if (existsSync(TIME_BIN)) {
    const out = path.join(await makeTempDir('exai-bench-time-'), 'rss');
    try {
      const r = await spawnTimed(TIME_BIN, ['-f', '%M', '-o', out, cmd, ...args], opts);
      if (!(opts.okCodes ?? [0]).includes(r.code)) throw new Error(`${cmd} exited ${r.code}: ${r.stderr.slice(0, 500)}`);
      const kib = Number((await fs.readFile(out, 'utf8')).trim().split('\n').at(-1));
      return { mib: kib / 1024, method: '/usr/bin/time -f %M' };
    } finally {
      await removeDir(path.dirname(out));
    }
  }
  return { mib: await pollVmHwm(cmd, args, opts), method: '/proc/<pid>/status VmHWM' };
}

// VmHWM is the kernel's own high-water mark, so polling only has to catch it before exit.
async function pollVmHwm(cmd, args, opts) {
  const child = spawn(cmd, args, { cwd: opts.cwd ?? ROOT, env: opts.env ?? process.env, stdio: 'ignore' });
  let peakKiB = 0;
  const timer = setInterval(() => {
    fs.readFile(`/proc/${child.pid}/status`, 'utf8').then((text) => {
      const kib = Number(/VmHWM:\s+(\d+)/.exec(text)?.[1] ?? 0);
      peakKiB = Math.max(peakKiB, kib);
    }, () => undefined);
  }, 5);
  await new Promise((resolve) => child.on('close', resolve));
  clearInterval(timer);
  return peakKiB / 1024;
}

/** A fresh directory under the OS temp dir. */
export function makeTempDir(prefix = 'exai-bench-') {
  return fs.mkdtemp(path.join(os.tmpdir(), prefix));
}

/** Remove a directory tree; never throws. */
export async function removeDir(dir) {
  await fs.rm(dir, { recursive: true, force: true }).catch(() => undefined);
}

/** Environment for a spawned exai whose config, data and state live under `dir`. */
export function isolatedEnv(dir) {
  return {
    ...process.env,
    EXAI_CONFIG_DIR: path.join(dir, 'config'),
    EXAI_DATA_DIR: path.join(dir, 'data'),
    EXAI_STATE_DIR: path.join(dir, 'state'),
  };
}

/**
 * `env` without NODE_EXTRA_CA_CERTS: Node parses that bundle before running any script (a
 * sandbox's 200 KB bundle costs every `node` start ~50 ms of CPU), which is the machine's
 * cost, not the program's, and would hide what a bench measures. Benches that make no TLS
 * connection drop it and print its cost beside their rows.
 */
export function withoutExtraCaCerts(env) {
  const { NODE_EXTRA_CA_CERTS: _dropped, ...rest } = env;
  return rest;
}

/** Is `cmd` on the PATH? */
export function hasCommand(cmd) {
  return (process.env.PATH ?? '').split(path.delimiter).some((dir) => dir && existsSync(path.join(dir, cmd)));
}

/** A row comparing exai's time with a reference: pass when exai/ref ≤ maxRatio. */
export function ratioRow(name, exaiSeconds, refName, refSeconds, maxRatio, extra = {}) {
  const ratio = exaiSeconds / refSeconds;
  return { name, exai_s: round(exaiSeconds), ref_name: refName, ref_s: round(refSeconds), ratio: round(ratio), target: `≤${maxRatio}×`, pass: ratio <= maxRatio, extra };
}

/** A row checking an absolute limit (e.g. peak RSS in MiB): pass when value ≤ limit. */
export function limitRow(name, value, unit, limit, extra = {}) {
  return { name, exai_s: null, ref_name: null, ref_s: null, ratio: null, target: `≤${limit} ${unit}`, pass: value <= limit, extra: { value: round(value), unit, ...extra } };
}

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

function round(n) {
  return Math.round(n * 1000) / 1000;
}
