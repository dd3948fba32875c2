/**
 * Real processes racing for one lock. Runs the BUILT lock from dist/ (`npm run build` first;
 * `npm test` does it). Each child logs "enter <pid>" / "exit <pid>" while it holds the lock,
 * so any overlap of critical sections shows up as two enters in a row.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const DIST = new URL('../../../../dist/core/lock/index.js', import.meta.url).href;
const KEY = 'e'.repeat(64);
const CHILDREN = 8;

const CHILD = `
import { appendFileSync } from 'node:fs';
const { acquireLock } = await import(${JSON.stringify(DIST)});
const [dir, key, log, startAt] = process.argv.slice(1);
await new Promise((r) => setTimeout(r, Math.max(0, Number(startAt) - Date.now())));
const lock = await acquireLock({ dir, key, timeoutMs: 20000, leaseMs: 3000, owner: { command: 'race' } });
appendFileSync(log, 'enter ' + process.pid + '\\n');
await new Promise((r) => setTimeout(r, 15));
appendFileSync(log, 'exit ' + process.pid + '\\n');
await lock.release();
process.stdout.write(JSON.stringify({ tookOver: lock.tookOver }));
`;

let dir: string;
beforeEach(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'exai-lock-race-'));
});
afterEach(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

async function race(): Promise<{ results: { tookOver: boolean }[]; lines: string[] }> {
  const log = path.join(dir, 'log');
  await fs.writeFile(log, '');
  const startAt = String(Date.now() + 1000);
  const children = Array.from({ length: CHILDREN }, () =>
    run(process.execPath, ['--input-type=module', '-e', CHILD, dir, KEY, log, startAt]),
  );
  const results = (await Promise.all(children)).map((c) => JSON.parse(c.stdout) as { tookOver: boolean });
  const lines = (await fs.readFile(log, 'utf8')).trim().split('\n');
  return { results, lines };
}

/** Assert enter/exit strictly alternate with the same pid and every child got in once. */
function expectNoOverlap(lines: string[]): void {
  expect(lines).toHaveLength(CHILDREN * 2);
  const pids = new Set<string>();
  for (let i = 0; i < lines.length; i += 2) {
    const [enter, pid] = lines[i]!.split(' ');
    expect(enter).toBe('enter');
    expect(lines[i + 1]).toBe(`exit ${pid}`);
    pids.add(pid!);
  }
  expect(pids.size).toBe(CHILDREN);
}

describe('lock across processes', () => {
  it('8 processes racing one key never overlap and all get the lock', async () => {
    const { results, lines } = await race();
    expectNoOverlap(lines);
    expect(results.filter((r) => r.tookOver)).toEqual([]);
    await expect(fs.access(path.join(dir, 'locks', `${KEY}.lock`))).rejects.toThrow();
  });

  it('a holder killed with SIGKILL leaves a lock the next process takes over at once', async () => {
    const crash = `
      const { acquireLock } = await import(${JSON.stringify(DIST)});
      await acquireLock({ dir: process.argv[1], key: process.argv[2], timeoutMs: 1000, leaseMs: 600000, owner: { command: 'exai upload' } });
      process.kill(process.pid, 'SIGKILL');
    `;
    await expect(run(process.execPath, ['--input-type=module', '-e', crash, dir, KEY])).rejects.toMatchObject({ signal: 'SIGKILL' });
    const { acquireLock } = (await import(DIST)) as typeof import('../../../../src/core/lock/index.js');
    const lock = await acquireLock({ dir, key: KEY, timeoutMs: 1000, leaseMs: 600_000, owner: { command: 'test' } });
    expect(lock.tookOver).toBe(true);
    await lock.release();
  });

  it('8 processes racing to take over one stale lock: exactly one takes it over, none overlap', async () => {
    await fs.mkdir(path.join(dir, 'locks'));
    const stale = {
      pid: 999_999_999, hostname: 'elsewhere.example', user: 'ghost', command: 'exai upload',
      started: new Date(0).toISOString(), lease_expires_at: Date.now() - 60_000, nonce: 'crashed',
    };
    await fs.writeFile(path.join(dir, 'locks', `${KEY}.lock`), JSON.stringify(stale));
    const { results, lines } = await race();
    expectNoOverlap(lines);
    expect(results.filter((r) => r.tookOver)).toHaveLength(1);
  });
});
