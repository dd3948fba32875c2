/**
 * Lock stress in real processes (the BUILT modules in dist/; `npm test` builds first), a few
 * rounds each — bench/locks-stress.mjs runs the same invariants over many rounds:
 * - many processes released at one instant (a barrier on a timestamp) against a stale lock,
 *   with and without a break guard left by a crash: never two holders at once;
 * - a holder stopped (SIGSTOP) past its lease and resumed (SIGCONT): every write it then
 *   tries is refused (LOCK_LOST) and the new holder's claim ends active.
 */
import { execFile, spawn } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openSqliteCatalog } from '../../../../src/catalog/sqlite.js';
import { acquireLock } from '../../../../src/core/lock/index.js';

const run = promisify(execFile);
const dist = (p: string) => JSON.stringify(new URL(`../../../../dist/${p}`, import.meta.url).href);
const KEY = '7'.repeat(64);

const RACER = `
import { appendFileSync } from 'node:fs';
const { acquireLock } = await import(${dist('core/lock/index.js')});
const [dir, key, log, startAt] = process.argv.slice(1);
await new Promise((r) => setTimeout(r, Math.max(0, Number(startAt) - Date.now())));
const lock = await acquireLock({ dir, key, timeoutMs: 30000, leaseMs: 3000, owner: { command: 'race' } });
appendFileSync(log, 'enter ' + process.pid + '\\n');
await new Promise((r) => setTimeout(r, 5));
appendFileSync(log, 'exit ' + process.pid + '\\n');
await lock.release();
process.stdout.write(JSON.stringify({ tookOver: lock.tookOver, generation: lock.generation }));
`;

let dir: string;
beforeEach(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'exai-lock-stress-'));
});
afterEach(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

async function deadPid(): Promise<number> {
  const child = execFile(process.execPath, ['-e', '']);
  await new Promise((resolve) => child.on('exit', resolve));
  return child.pid!;
}

async function plantStale(withGuard: boolean): Promise<void> {
  const locks = path.join(dir, 'locks');
  await fs.mkdir(locks, { recursive: true });
  const pid = await deadPid();
  const owner = { pid, hostname: os.hostname(), user: 'u', command: 'exai upload', started: new Date().toISOString(), lease_expires_at: Date.now() - 1000, nonce: 'dead', generation: 5 };
  await fs.writeFile(path.join(locks, `${KEY}.lock`), JSON.stringify(owner));
  if (withGuard) await fs.writeFile(path.join(locks, `${KEY}.lock.guard`), JSON.stringify({ pid, hostname: os.hostname(), nonce: 'deadbeef' }));
}

async function raceRound(children: number): Promise<{ lines: string[]; results: { tookOver: boolean; generation: number }[] }> {
  const log = path.join(dir, 'log');
  await fs.writeFile(log, '');
  const startAt = String(Date.now() + 700);
  const procs = Array.from({ length: children }, () => run(process.execPath, ['--input-type=module', '-e', RACER, dir, KEY, log, startAt]));
  const results = (await Promise.all(procs)).map((c) => JSON.parse(c.stdout) as { tookOver: boolean; generation: number });
  return { lines: (await fs.readFile(log, 'utf8')).trim().split('\n'), results };
}

function expectOneAtATime(lines: string[], children: number): void {
  expect(lines).toHaveLength(children * 2);
  for (let i = 0; i < lines.length; i += 2) {
    const pid = lines[i]!.split(' ')[1];
    expect([lines[i], lines[i + 1]]).toEqual([`enter ${pid}`, `exit ${pid}`]);
  }
}

describe('many processes at one instant against a stale lock', () => {
  it.each([[false], [true]])('never two holders (leftover guard: %s)', async (withGuard) => {
    for (let round = 0; round < 1; round += 1) {
      await plantStale(withGuard);
      const { lines, results } = await raceRound(6);
      expectOneAtATime(lines, 6);
      expect(results.filter((r) => r.tookOver)).toHaveLength(1);
      expect(results.find((r) => r.tookOver)!.generation).toBeGreaterThan(5);
      expect((await fs.readdir(path.join(dir, 'locks'))).filter((n) => n.startsWith(KEY))).toEqual([]);
    }
  }, 30_000);
});

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
const deps = { catalog, clock: { now: () => Date.now() }, events: {} };
out.failOther = busy ? await outcome(failAbandoned(busy, { displayPath: 'a.txt' }, lock, deps)) : 'no busy row';
out.complete = await outcome(catalog.complete(claim.record.id, 'dup', Date.now(), { lockGeneration: claim.record.lockGeneration }));
await lock.release();
await catalog.close();
process.stdout.write(JSON.stringify(out) + '\\n');
`;

/** Start the holder, wait until it has claimed, and collect what it prints. */
function startStalled(state: string, data: string): { pid: number; claimed: Promise<void>; done: Promise<string>; go(): void } {
  const child = spawn(process.execPath, ['--input-type=module', '-e', STALLED, state, data, KEY], { stdio: ['pipe', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stderr.on('data', (c: Buffer) => (err += c.toString()));
  const claimed = new Promise<void>((resolve) => child.stdout.on('data', (c: Buffer) => ((out += c.toString()), out.includes('claimed') && resolve())));
  const done = new Promise<string>((resolve, reject) => child.on('exit', (code) => (code === 0 ? resolve(out) : reject(new Error(err)))));
  return { pid: child.pid!, claimed, done, go: () => child.stdin.end('go\n') };
}

describe('a holder stopped past its lease', () => {
  it('is fenced off when it resumes: its writes are refused and the new holder’s upload completes', async () => {
    for (let round = 0; round < 2; round += 1) {
      const [state, data] = [path.join(dir, `s${round}`), path.join(dir, `d${round}`)];
      const stalled = startStalled(state, data);
      await stalled.claimed;
      process.kill(stalled.pid, 'SIGSTOP');
      await sleep(600);
      const lock = await acquireLock({ dir: state, key: KEY, timeoutMs: 5000, leaseMs: 30_000, owner: { command: 'new holder' } });
      const catalog = await openSqliteCatalog({ dir: data });
      try {
        expect(lock.tookOver).toBe(true);
        const claim = await catalog.claim({ userId: 'u', provider: 'local', purpose: 'file-extract', sha256: KEY, sizeBytes: 10, mimeType: 'text/plain', originalName: 'a.txt', leaseMs: 30_000, quotaBytes: 1e9, now: Date.now(), lockGeneration: lock.generation });
        expect(claim.kind).toBe('claimed');
        process.kill(stalled.pid, 'SIGCONT');
        stalled.go();
        const out = JSON.parse((await stalled.done).trim().split('\n').pop()!) as Record<string, string>;
        expect(out).toEqual({ assertHeld: 'LOCK_LOST', failOther: 'LOCK_LOST', complete: 'LOCK_LOST' });
        await lock.assertHeld();
        const done = await catalog.complete(claim.record.id, 'file-1', Date.now(), { lockGeneration: claim.record.lockGeneration ?? undefined });
        expect(done.status).toBe('active');
        expect((await catalog.list({})).map((r) => r.status).sort()).toEqual(['active', 'failed']);
      } finally {
        await lock.release();
        await catalog.close();
      }
    }
  }, 30_000);
});
