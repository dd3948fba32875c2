/** The shared gc lock's client loop: waits announcing the holder, gives up at lockTimeout, releases once. */
import { describe, expect, it } from 'vitest';
import type { GcLockAttempt, GcLockHolder, GcLockStore } from '../../../src/core/ops/gc-lock.js';
import { acquireSharedGcLock } from '../../../src/core/ops/gc-lock-shared.js';
import type { Runtime } from '../../../src/core/runtime.js';

const other: GcLockHolder = { pid: 7, hostname: 'runner-2', user: 'ci', started: '2026-11-30T10:00:00Z' };
const me: GcLockHolder = { pid: 1, hostname: 'runner-1', user: 'ci', started: '2026-11-30T10:00:01Z' };

/** A store whose lock frees after `busyTries` refusals; records every call. */
function fakeStore(busyTries: number): GcLockStore & { calls: string[] } {
  const calls: string[] = [];
  let tries = 0;
  return {
    calls,
    acquire: (): Promise<GcLockAttempt> => {
      calls.push('acquire');
      return Promise.resolve(++tries > busyTries ? { acquired: true, generation: 42, tookOver: false } : { acquired: false, holder: other, expiresAt: '2026-11-30T10:01:00Z' });
    },
    renew: () => Promise.resolve(void calls.push('renew')),
    release: (generation) => Promise.resolve(calls.push(`release ${generation}`) > 0),
  };
}

/** Just what the loop reads from a runtime: timeouts and a clock that advances only when slept. */
function fakeRuntime(lockTimeoutMs: number): Runtime & { slept: number } {
  const rt = { config: { lockTimeoutMs, leaseMs: 60_000 }, slept: 0, now: 0 };
  const clock = { now: () => rt.now, sleep: (ms: number) => Promise.resolve(void ((rt.now += ms), (rt.slept += ms))) };
  return Object.assign(rt, { clock }) as unknown as Runtime & { slept: number };
}

describe('acquireSharedGcLock', () => {
  it('waits, telling who holds it, until the holder is gone; release runs once', async () => {
    const store = fakeStore(3);
    const seen: GcLockHolder[] = [];
    const lock = await acquireSharedGcLock(fakeRuntime(60_000), store, me, { wait: true, onWait: (h) => seen.push(h) });
    expect(lock.generation).toBe(42);
    expect(seen).toEqual([other, other, other]);
    await lock.release();
    await lock.release();
    expect(store.calls).toEqual(['acquire', 'acquire', 'acquire', 'acquire', 'release 42']);
  });

  it('gives up at lockTimeout naming the holder and when its lease runs out', async () => {
    const rt = fakeRuntime(5_000);
    const error = await acquireSharedGcLock(rt, fakeStore(1_000), me, { wait: true }).catch((e: unknown) => e);
    expect(error).toMatchObject({ name: 'LOCK_TIMEOUT', message: expect.stringContaining('pid 7 on host runner-2 (user ci) since 2026-11-30T10:00:00Z; still held after waiting 5s') });
    expect((error as { hint: string }).hint).toContain('runs out at 2026-11-30T10:01:00Z');
    expect(rt.slept).toBe(5_000);
  });

  it('--no-wait: one try, no sleep', async () => {
    const rt = fakeRuntime(60_000);
    const store = fakeStore(1);
    await expect(acquireSharedGcLock(rt, store, me, { wait: false })).rejects.toMatchObject({ message: expect.stringContaining('not waiting (--no-wait)') });
    expect(store.calls).toEqual(['acquire']);
    expect(rt.slept).toBe(0);
  });
});
