/**
 * One gc at a time per catalog: two at once are safe (every deletion takes its content lock)
 * but plan and repeat the same work and interleave their output. Embedded, the gc lock is a
 * lockfile like the content locks (fenced by generation, refreshed lease, a holder killed -9
 * taken over as stale), keyed by the catalog it covers. Shared, a lockfile would fence one
 * machine only, so the lock is a lease row in the database (exai_gc_lock_*), renewed while
 * gc runs and taken over once a dead holder's lease has run out. A dry run takes neither.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import { ExaiError, isExaiError } from '../errors.js';
import type { LockOwner } from '../lock/index.js';
import type { Runtime } from '../runtime.js';
import { formatDuration } from '../units.js';
import { gcBackend } from './gc.js';
import { acquireSharedGcLock } from './gc-lock-shared.js';

/** Who holds the gc lock, as shown to the one waiting. */
export type GcLockHolder = Pick<LockOwner, 'pid' | 'hostname' | 'user' | 'started'> & { command?: string };

/** One try at the shared gc lock. */
export type GcLockAttempt = { acquired: true; generation: number; tookOver: boolean } | { acquired: false; holder: GcLockHolder | undefined; expiresAt: string | undefined };

/** The shared catalog's gc lock (exai_gc_lock_*); the server decides the scope. */
export interface GcLockStore {
  acquire(holder: GcLockHolder, leaseMs: number): Promise<GcLockAttempt>;
  /** LOCK_LOST when the lease ran out and the lock is no longer this generation's. */
  renew(generation: number, leaseMs: number): Promise<void>;
  release(generation: number): Promise<boolean>;
}

/** A held gc lock. */
export interface GcLockHandle {
  readonly generation: number;
  /** Give the lock up (safe to call twice). */
  release(): Promise<void>;
}

/** How to take the gc lock. */
export interface GcLockOptions {
  /** false: fail at once (LOCK_TIMEOUT naming the holder) instead of waiting up to lockTimeout. */
  wait: boolean;
  /** Called on each wait round with the current holder (for a "waiting for …" spinner). */
  onWait?: ((holder: GcLockHolder) => void) | undefined;
}

/** Where the embedded catalog's gc lockfile lives: `dir` for the lock module, and its key. */
export interface LocalGcLock {
  dir: string;
  key: string;
}

/**
 * The embedded catalog's gc lock sits next to the catalog (`<data>/locks/gc-….lock`), keyed by
 * the data dir's real path: two setups sharing one catalog through different state dirs (or a
 * symlinked data dir) must meet at the same lockfile, which a state-dir lock would not do.
 */
export async function localGcLock(dataDir: string): Promise<LocalGcLock> {
  await fs.mkdir(dataDir, { recursive: true, mode: 0o700 });
  const real = await fs.realpath(dataDir);
  return { dir: real, key: gcLockKey(`sqlite:${real}`) };
}

/** The lock key for a scope: `gc-` and 16 hex digits (a valid lockfile name, as `exai unlock` takes). */
export function gcLockKey(scope: string): string {
  return `gc-${createHash('sha256').update(scope).digest('hex').slice(0, 16)}`;
}

/** Take the gc lock for this runtime's catalog; LOCK_TIMEOUT names the holder and what to do. */
export async function acquireGcLock(rt: Runtime, opts: GcLockOptions): Promise<GcLockHandle> {
  const { gcLock } = await gcBackend(rt);
  const holder: GcLockHolder = { pid: process.pid, hostname: os.hostname(), user: safeUsername(), command: 'gc', started: new Date(rt.clock.now()).toISOString() };
  if (gcLock !== undefined) return acquireSharedGcLock(rt, gcLock, holder, opts);
  const { acquireLock } = await import('../lock/index.js');
  const { dir, key } = await localGcLock(rt.config.dirs.data);
  try {
    return await acquireLock({ dir, key, timeoutMs: opts.wait ? rt.config.lockTimeoutMs : 0, leaseMs: rt.config.leaseMs, owner: { command: 'gc' }, clock: rt.clock, onWait: opts.onWait });
  } catch (error) {
    if (!isExaiError(error) || error.name !== 'LOCK_TIMEOUT') throw error;
    const hint = `let it finish; if that process is gone (killed on another host), \`exai unlock ${key} --all\` removes its lock (a holder gone from this host is taken over by itself)`;
    throw gcBusy(error.details?.['holder'] as LockOwner | undefined, opts.wait ? rt.config.lockTimeoutMs : undefined, { key, hint, cause: error });
  }
}

/** Run `body` holding the gc lock (every front end that deletes); released however it ends. */
export async function withGcLock<T>(rt: Runtime, opts: GcLockOptions, body: () => Promise<T>): Promise<T> {
  const lock = await acquireGcLock(rt, opts);
  try {
    return await body();
  } finally {
    await lock.release();
  }
}

/** LOCK_TIMEOUT for a gc lock someone else holds: who, since when, and what to do. */
export function gcBusy(holder: GcLockHolder | undefined, waitedMs: number | undefined, more: { key: string; hint: string; cause?: unknown }): ExaiError {
  const who = holder === undefined ? 'a gc that is starting' : `pid ${holder.pid} on host ${holder.hostname} (user ${holder.user}) since ${holder.started}`;
  const how = waitedMs === undefined ? 'not waiting (--no-wait)' : `still held after waiting ${formatDuration(waitedMs)} (lockTimeout)`;
  return new ExaiError('LOCK_TIMEOUT', `another gc is running on this catalog: ${who}; ${how}`, {
    hint: more.hint,
    details: { key: more.key, holder },
    cause: more.cause,
  });
}

function safeUsername(): string {
  try {
    return os.userInfo().username;
  } catch {
    return 'unknown'; // no passwd entry (some containers)
  }
}
