/**
 * Lockfiles per content key (DESIGN.md §6): `<dir>/locks/<key>.lock`, created with O_EXCL,
 * holding owner metadata and a lease the holder refreshes every lease/3. Stale locks (lease
 * expired, pid dead on this host, host rebooted, abandoned garbage) are taken over under the
 * break guard (see guard.ts), so two processes never take over the same lock. Every
 * acquisition carries a fencing token (`generation`, larger than the one it took over).
 * Limits: local disks only (O_EXCL is unreliable on NFS); a holder whose event loop stalls
 * for more than 2/3 of a lease can be judged stale while it still runs (it then finds its
 * handle `lost` at the next refresh — check `assertHeld()` before committing work).
 */
import { mkdirSync } from 'node:fs';
import os from 'node:os';
import { ExaiError } from '../errors.js';
import { createExclusive, lockPathFor, locksDirOf, makeNonce, readBootId, readLock, type LockOwner, type LockRead } from './file.js';
import { GUARD_BUSY, withGuard, type GuardEnv } from './guard.js';
import { startHandle, type LockHandle } from './handle.js';
import { describeOwner, formatDuration, judgeLock, type JudgeEnv } from './stale.js';
import { bumpLockStat } from './stats.js';
import { removeAsideIfStale } from './takeover.js';

export type { LockOwner } from './file.js';
export type { LockHandle } from './handle.js';
export { lockStats, type LockStats } from './stats.js';
export { listLocks, removeStaleLocks, type LockEntry, type RemoveLocksOptions } from './admin.js';

/** Injectable time; the real one is the CLI's systemClock. */
export interface LockClock {
  now(): number;
  sleep(ms: number): Promise<void>;
}

/** Options for acquireLock. */
export interface AcquireLockOptions {
  /** The state dir; lockfiles live in `<dir>/locks/`. */
  dir: string;
  /** Content key (the sha256 hex): [A-Za-z0-9._-] only. */
  key: string;
  /** Give up with LOCK_TIMEOUT after waiting this long. */
  timeoutMs: number;
  /** Lease length; refreshed every leaseMs/3 while held. */
  leaseMs: number;
  owner: { command: string };
  clock?: LockClock;
  hostname?: string;
  pid?: number;
  /** Called on every wait round with the current holder (for "waiting for …" messages). */
  onWait?: (holder: LockOwner) => void;
}

const realClock: LockClock = {
  now: () => Date.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};

/** How long a takeover may wait for the break guard before trying again. */
const GUARD_WAIT_MS = 2_000;

interface Attempt {
  opts: AcquireLockOptions;
  clock: LockClock;
  path: string;
  env: GuardEnv;
  judgeEnv: () => JudgeEnv;
}

/**
 * A fencing token above `floor` (one more than any generation seen for this key) and above
 * every earlier fresh acquisition: wall-clock microseconds, so a key whose lockfile was
 * released (and so forgotten) still gets a larger number next time.
 */
function nextGeneration(floor: number): number {
  return Math.max(floor, Date.now() * 1000 + Math.floor(Math.random() * 1000));
}

function makeOwner(a: Attempt, floor: number): LockOwner {
  const now = a.clock.now();
  const owner: LockOwner = {
    pid: a.env.pid,
    hostname: a.env.hostname,
    user: safeUsername(),
    command: a.opts.owner.command,
    started: new Date(now).toISOString(),
    lease_expires_at: now + a.opts.leaseMs,
    nonce: makeNonce(),
    generation: nextGeneration(floor),
  };
  if (a.env.bootId !== undefined) owner.boot_id = a.env.bootId;
  return owner;
}

let username: string | undefined;

// Looked up once per process: os.userInfo() reads /etc/passwd on every call (no nscd), once per lock.
function safeUsername(): string {
  if (username === undefined) {
    try {
      username = os.userInfo().username;
    } catch {
      username = 'unknown'; // no passwd entry (some containers)
    }
  }
  return username;
}

function timeoutError(a: Attempt, seen: LockRead | undefined): ExaiError {
  const holder = seen?.owner ? `locked by ${describeOwner(seen.owner, a.clock.now())}` : 'the lockfile is being written';
  return new ExaiError('LOCK_TIMEOUT', `could not lock ${a.opts.key.slice(0, 12)} within ${formatDuration(a.opts.timeoutMs)}: ${holder}`, {
    hint: `wait, or run \`exai unlock ${a.opts.key}\` if that process is gone`,
    path: a.path,
    details: { key: a.opts.key, holder: seen?.owner },
  });
}

function fsError(err: unknown, dir: string): unknown {
  const code = (err as NodeJS.ErrnoException).code;
  if (code !== 'EACCES' && code !== 'EPERM' && code !== 'EROFS') return err;
  return new ExaiError('PERMISSION_DENIED', `cannot write lockfiles in ${dir} (${code})`, {
    hint: 'make the state dir writable by you, or set EXAI_STATE_DIR',
    path: dir,
    cause: err,
  });
}

/** Try the stale takeover under the guard: 'removed' (by us), 'gone' (someone else did) or 'wait'. */
async function takeOver(a: Attempt): Promise<'removed' | 'gone' | 'wait'> {
  const outcome = await withGuard(a.path, a.env, GUARD_WAIT_MS, () => removeAsideIfStale(a.path, a.judgeEnv()));
  if (outcome === GUARD_BUSY || outcome === 'live') return 'wait';
  if (outcome === 'removed') await bumpLockStat(a.opts.dir, 'takeovers');
  return outcome;
}

async function acquireLoop(a: Attempt): Promise<LockHandle> {
  const started = a.clock.now();
  let delay = 25;
  let waited = false;
  let tookOver = false;
  let floor = 0;
  for (;;) {
    const owner = makeOwner(a, floor);
    if (await createExclusive(a.path, JSON.stringify(owner))) {
      return startHandle({ ...a, owner, tookOver, waitedMs: a.clock.now() - started });
    }
    const seen = await readLock(a.path);
    if (!seen) continue; // released between our create and read
    if (seen.owner) floor = Math.max(floor, seen.owner.generation + 1);
    const takeover = judgeLock(seen, a.judgeEnv()).stale ? await takeOver(a) : 'wait';
    if (takeover !== 'wait') {
      tookOver ||= takeover === 'removed';
      continue;
    }
    const elapsed = a.clock.now() - started;
    if (elapsed >= a.opts.timeoutMs) {
      await bumpLockStat(a.opts.dir, 'timeouts');
      throw timeoutError(a, seen);
    }
    if (!waited) await bumpLockStat(a.opts.dir, 'waits');
    waited = true;
    if (seen.owner) a.opts.onWait?.(seen.owner);
    // Equal jitter (half fixed, half random) so a crowd of waiters doesn't retry in lockstep.
    await a.clock.sleep(Math.min(delay / 2 + Math.random() * (delay / 2), a.opts.timeoutMs - elapsed));
    delay = Math.min(delay * 2, 500);
  }
}

/** Take the lock for `key`, waiting up to timeoutMs; throws LOCK_TIMEOUT naming the holder. */
export async function acquireLock(opts: AcquireLockOptions): Promise<LockHandle> {
  const path = lockPathFor(opts.dir, opts.key);
  const clock = opts.clock ?? realClock;
  const env: GuardEnv = { pid: opts.pid ?? process.pid, hostname: opts.hostname ?? os.hostname(), bootId: readBootId() };
  const judgeEnv = (): JudgeEnv => ({ now: clock.now(), wallNow: Date.now(), leaseMs: opts.leaseMs, hostname: env.hostname, bootId: env.bootId });
  try {
    // Synchronous, like every lockfile syscall on the hot path (file.ts readLock says why).
    mkdirSync(locksDirOf(opts.dir), { recursive: true, mode: 0o700 });
    return await acquireLoop({ opts, clock, path, env, judgeEnv });
  } catch (err) {
    throw fsError(err, locksDirOf(opts.dir));
  }
}
