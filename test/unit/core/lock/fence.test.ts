/** Fencing tokens, lockfiles that are never empty, an atomic guard break, assertHeld that reads the file. */
import { execFile } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createExclusive } from '../../../../src/core/lock/file.js';
import { withGuard } from '../../../../src/core/lock/guard.js';
import { acquireLock, removeStaleLocks, type LockHandle, type LockOwner } from '../../../../src/core/lock/index.js';

const KEY = '9'.repeat(64);
let dir: string;
const held: LockHandle[] = [];

beforeEach(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'exai-fence-'));
});
afterEach(async () => {
  await Promise.all(held.splice(0).map((h) => h.release()));
  await fs.rm(dir, { recursive: true, force: true });
});

async function take(extra: Partial<Parameters<typeof acquireLock>[0]> = {}): Promise<LockHandle> {
  const handle = await acquireLock({ dir, key: KEY, timeoutMs: 3000, leaseMs: 30_000, owner: { command: 'exai upload' }, ...extra });
  held.push(handle);
  return handle;
}

const lockFile = () => path.join(dir, 'locks', `${KEY}.lock`);
const readOwner = async () => JSON.parse(await fs.readFile(lockFile(), 'utf8')) as LockOwner;

async function deadPid(): Promise<number> {
  const child = execFile(process.execPath, ['-e', '']);
  await new Promise((resolve) => child.on('exit', resolve));
  return child.pid!;
}

async function plant(owner: Partial<LockOwner>): Promise<void> {
  await fs.mkdir(path.join(dir, 'locks'), { recursive: true });
  const full = { pid: process.pid, hostname: os.hostname(), user: 'u', command: 'exai upload', started: new Date().toISOString(), lease_expires_at: Date.now() + 600_000, nonce: 'planted', generation: 7, ...owner };
  await fs.writeFile(lockFile(), JSON.stringify(full));
}

describe('fencing token', () => {
  it('is written in the lockfile, shown on the handle, and grows with every acquisition', async () => {
    const first = await take();
    expect((await readOwner()).generation).toBe(first.generation);
    await first.release();
    const second = await take();
    expect(second.generation).toBeGreaterThan(first.generation);
  });

  it('a takeover gets a larger token than the stale holder it replaced, even a far-future one', async () => {
    const future = Number.MAX_SAFE_INTEGER - 10;
    await plant({ pid: await deadPid(), generation: future });
    const taker = await take();
    expect(taker.tookOver).toBe(true);
    expect(taker.generation).toBe(future + 1);
  });

  it('assertHeld reads the file: a lock replaced behind a stalled holder fails without any refresh', async () => {
    const holder = await take();
    await holder.assertHeld();
    await plant({ nonce: 'new-holder', generation: holder.generation + 1 });
    await expect(holder.assertHeld()).rejects.toMatchObject({ name: 'LOCK_LOST' });
    expect(holder.lost).toBe(true);
    await holder.release();
    expect((await readOwner()).nonce).toBe('new-holder');
  });

  it('a holder whose lockfile vanished is not held either', async () => {
    const holder = await take();
    await fs.unlink(lockFile());
    await expect(holder.assertHeld()).rejects.toMatchObject({ name: 'LOCK_LOST' });
  });
});

describe('lockfiles are created with their content', () => {
  it('createExclusive never leaves an empty file or a temp file, and refuses an existing one', async () => {
    const file = path.join(dir, 'x.lock');
    expect(await createExclusive(file, '{"a":1}')).toBe(true);
    expect(await createExclusive(file, '{"b":2}')).toBe(false);
    expect(await fs.readFile(file, 'utf8')).toBe('{"a":1}');
    expect(await fs.readdir(dir)).toEqual(['x.lock']);
  });

  it.each([['empty', ''], ['garbage', 'not json {'], ['half JSON', '{"pid": 12']])(
    'a leftover %s lockfile is taken over after a short grace, and removed by unlock <key>',
    async (_name, content) => {
      await fs.mkdir(path.join(dir, 'locks'));
      await fs.writeFile(lockFile(), content);
      const old = new Date(Date.now() - 3_000);
      await fs.utimes(lockFile(), old, old);
      const removed = await removeStaleLocks(dir, { now: Date.now(), keys: [KEY], leaseMs: 60_000 });
      expect(removed.map((e) => e.key)).toEqual([KEY]);
      await fs.writeFile(lockFile(), content);
      await fs.utimes(lockFile(), old, old);
      expect((await take({ leaseMs: 60_000 })).tookOver).toBe(true);
    },
  );
});

describe('the break guard', () => {
  const env = { pid: process.pid, hostname: os.hostname(), bootId: undefined };
  const guardFile = () => `${lockFile()}.guard`;

  it('a guard left by a dead process is broken, and no break marker is left', async () => {
    await fs.mkdir(path.join(dir, 'locks'));
    await fs.writeFile(guardFile(), JSON.stringify({ pid: await deadPid(), hostname: os.hostname(), nonce: 'abc123' }));
    expect(await withGuard(lockFile(), env, 2_000, () => Promise.resolve('ran'))).toBe('ran');
    expect(await fs.readdir(path.join(dir, 'locks'))).toEqual([]);
  });

  it('an old guard whose process lives (a stopped holder) is not broken by age', async () => {
    await fs.mkdir(path.join(dir, 'locks'));
    await fs.writeFile(guardFile(), JSON.stringify({ pid: process.pid, hostname: os.hostname(), nonce: 'def456' }));
    const old = new Date(Date.now() - 30_000);
    await fs.utimes(guardFile(), old, old);
    expect(String(await withGuard(lockFile(), env, 150, () => Promise.resolve('ran')))).toBe('Symbol(guard busy)');
  });

  it('a breaker that finds the instance already being broken leaves the guard alone', async () => {
    await fs.mkdir(path.join(dir, 'locks'));
    const pid = await deadPid();
    await fs.writeFile(guardFile(), JSON.stringify({ pid, hostname: os.hostname(), nonce: 'aaa111' }));
    // Another breaker holds this instance's marker (it is between its re-read and its unlink).
    await fs.writeFile(`${guardFile()}.break.aaa111`, '1');
    expect(String(await withGuard(lockFile(), env, 150, () => Promise.resolve('ran')))).toBe('Symbol(guard busy)');
    expect(JSON.parse(await fs.readFile(guardFile(), 'utf8'))).toMatchObject({ nonce: 'aaa111' });
  });
});
