import { execFile } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ExaiError } from '../../../../src/core/errors.js';
import { makeNonce } from '../../../../src/core/lock/file.js';
import { acquireLock, listLocks, lockStats, removeStaleLocks, type LockHandle, type LockOwner } from '../../../../src/core/lock/index.js';

const KEY = 'f'.repeat(64);
let dir: string;
const held: LockHandle[] = [];

beforeEach(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'exai-lock-'));
});
afterEach(async () => {
  await Promise.all(held.splice(0).map((h) => h.release()));
  await fs.rm(dir, { recursive: true, force: true });
});

async function take(key = KEY, extra: Partial<Parameters<typeof acquireLock>[0]> = {}): Promise<LockHandle> {
  const handle = await acquireLock({ dir, key, timeoutMs: 5000, leaseMs: 30_000, owner: { command: 'exai upload' }, ...extra });
  held.push(handle);
  return handle;
}

const lockFile = (key = KEY) => path.join(dir, 'locks', `${key}.lock`);

async function plantLock(owner: Partial<LockOwner>, key = KEY): Promise<void> {
  await fs.mkdir(path.join(dir, 'locks'), { recursive: true });
  const full: LockOwner = {
    pid: process.pid, hostname: os.hostname(), user: 'someone', command: 'exai upload',
    started: new Date().toISOString(), lease_expires_at: Date.now() + 600_000, nonce: 'planted', generation: 1, ...owner,
  };
  await fs.writeFile(lockFile(key), JSON.stringify(full));
}

async function deadPid(): Promise<number> {
  const child = execFile(process.execPath, ['-e', '']);
  await new Promise((resolve) => child.on('exit', resolve));
  return child.pid!;
}

async function lockError(promise: Promise<unknown>): Promise<ExaiError> {
  const err = await promise.then(() => undefined, (e: unknown) => e);
  expect(err).toBeInstanceOf(ExaiError);
  return err as ExaiError;
}

describe('acquireLock', () => {
  it('creates a private lockfile with owner metadata and removes it on release (twice is fine)', async () => {
    const handle = await take();
    const owner = JSON.parse(await fs.readFile(lockFile(), 'utf8')) as LockOwner;
    expect(owner).toMatchObject({ pid: process.pid, hostname: os.hostname(), user: os.userInfo().username, command: 'exai upload' });
    expect(owner.nonce).toBe(handle.owner.nonce);
    expect(owner.lease_expires_at).toBeGreaterThan(Date.now());
    expect((await fs.stat(lockFile())).mode & 0o777).toBe(0o600);
    await handle.release();
    await handle.release();
    await expect(fs.access(lockFile())).rejects.toThrow();
  });

  it('a second acquirer waits, is told who holds it, and gets the lock after release', async () => {
    const first = await take();
    const seen: LockOwner[] = [];
    const second = take(KEY, { onWait: (holder) => seen.push(holder) });
    await new Promise((r) => setTimeout(r, 150));
    expect(seen[0]?.nonce).toBe(first.owner.nonce);
    await first.release();
    const handle = await second;
    expect(handle.waitedMs).toBeGreaterThan(0);
    expect((await lockStats(dir)).waits).toBe(1);
  });

  it('times out with LOCK_TIMEOUT naming the holder and how to clear it', async () => {
    await take();
    const err = await lockError(take(KEY, { timeoutMs: 100 }));
    expect(err.name).toBe('LOCK_TIMEOUT');
    expect(err.message).toContain(`locked by pid ${process.pid} on host ${os.hostname()} (user ${os.userInfo().username})`);
    expect(err.message).toContain('running `exai upload`, started 0s ago');
    expect(err.hint).toContain(`exai unlock ${KEY}`);
    expect((await lockStats(dir)).timeouts).toBe(1);
  });

  it('waits on the injected clock (a 5-minute timeout needs no real 5 minutes)', async () => {
    await take(KEY, { leaseMs: 3_600_000 });
    let now = Date.now();
    const clock = { now: () => now, sleep: async (ms: number) => void (now += ms) };
    const err = await lockError(take(KEY, { timeoutMs: 300_000, clock }));
    expect(err.name).toBe('LOCK_TIMEOUT');
  });

  it('takes over a lock whose lease expired', async () => {
    await plantLock({ lease_expires_at: Date.now() - 1000 });
    const handle = await take();
    expect(handle.tookOver).toBe(true);
    expect((await lockStats(dir)).takeovers).toBe(1);
  });

  it('takes over a lock whose process is gone on this host, but not one from another host', async () => {
    const pid = await deadPid();
    await plantLock({ pid });
    expect((await take()).tookOver).toBe(true);
    await plantLock({ pid, hostname: 'elsewhere.example' }, 'other-key');
    expect((await lockError(take('other-key', { timeoutMs: 100 }))).name).toBe('LOCK_TIMEOUT');
  });

  it('waits on a fresh unreadable lockfile but takes over one untouched for a lease', async () => {
    await fs.mkdir(path.join(dir, 'locks'));
    await fs.writeFile(lockFile(), '');
    expect((await lockError(take(KEY, { timeoutMs: 100, leaseMs: 5000 }))).name).toBe('LOCK_TIMEOUT');
    const old = new Date(Date.now() - 10_000);
    await fs.utimes(lockFile(), old, old);
    expect((await take(KEY, { leaseMs: 5000 })).tookOver).toBe(true);
  });

  it('a FIFO planted as the lockfile blocks nothing: it reads as unreadable and is taken over once old', async () => {
    await fs.mkdir(path.join(dir, 'locks'));
    await new Promise<void>((resolve, reject) => execFile('mkfifo', [lockFile()], (error) => (error ? reject(error) : resolve())));
    const old = new Date(Date.now() - 10_000);
    await fs.utimes(lockFile(), old, old);
    const handle = await take(KEY, { leaseMs: 5000 });
    expect(handle.tookOver).toBe(true);
    expect((await fs.lstat(lockFile())).isFile()).toBe(true);
  });

  it('refreshes its lease so a long holder is never judged stale', async () => {
    const holder = await take(KEY, { leaseMs: 150 });
    const firstLease = holder.owner.lease_expires_at;
    const err = await lockError(take(KEY, { timeoutMs: 600, leaseMs: 150 }));
    expect(err.name).toBe('LOCK_TIMEOUT');
    expect(holder.lost).toBe(false);
    expect(holder.owner.lease_expires_at).toBeGreaterThan(firstLease);
    const onDisk = JSON.parse(await fs.readFile(lockFile(), 'utf8')) as LockOwner;
    expect(onDisk.nonce).toBe(holder.owner.nonce);
  });

  it('notices when its lock was taken and never removes the new holder’s file', async () => {
    const holder = await take();
    await plantLock({ nonce: 'someone-else' });
    await holder.refresh();
    expect(holder.lost).toBe(true);
    await expect(holder.assertHeld()).rejects.toMatchObject({ name: 'LOCK_LOST' });
    await holder.release();
    expect(JSON.parse(await fs.readFile(lockFile(), 'utf8'))).toMatchObject({ nonce: 'someone-else' });
  });

  it('refuses keys that could escape the locks directory', async () => {
    for (const key of ['../evil', 'a/b', '', '..']) {
      expect((await lockError(take(key))).name).toBe('USAGE');
    }
  });
});

describe('makeNonce', () => {
  it('never repeats, across many refills of its pool', () => {
    const nonces = Array.from({ length: 1000 }, () => makeNonce());
    expect(new Set(nonces).size).toBe(1000);
    for (const nonce of nonces) expect(nonce).toMatch(/^[0-9a-f]{24}$/);
  });
});

describe('listLocks and removeStaleLocks', () => {
  it('lists live and stale locks, and clears only the stale ones unless forced', async () => {
    const live = await take('live-key');
    await plantLock({ pid: await deadPid() }, 'dead-key');
    await plantLock({ lease_expires_at: Date.now() - 5 }, 'expired-key');
    const listed = await listLocks(dir, Date.now());
    expect(listed.map((e) => [e.key, e.stale])).toEqual([['dead-key', true], ['expired-key', true], ['live-key', false]]);
    expect(listed[0]?.reason).toMatch(/is gone/);

    const removed = await removeStaleLocks(dir, { now: Date.now() });
    expect(removed.map((e) => e.key).sort()).toEqual(['dead-key', 'expired-key']);
    expect(await removeStaleLocks(dir, { now: Date.now(), keys: ['live-key'] })).toEqual([]);
    expect((await listLocks(dir, Date.now())).map((e) => e.key)).toEqual(['live-key']);

    const forced = await removeStaleLocks(dir, { now: Date.now(), keys: ['live-key'], force: true });
    expect(forced).toMatchObject([{ key: 'live-key', stale: false }]);
    await live.refresh();
    expect(live.lost).toBe(true);
  });

  it('returns nothing when there is no locks directory and rejects bad keys', async () => {
    expect(await listLocks(dir, Date.now())).toEqual([]);
    expect(await removeStaleLocks(dir, { now: Date.now(), keys: [KEY] })).toEqual([]);
    await expect(removeStaleLocks(dir, { now: Date.now(), keys: ['../x'] })).rejects.toMatchObject({ name: 'USAGE' });
  });
});
