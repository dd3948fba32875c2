/** A held lock: lease refresh on an unref'd timer, loss detection, idempotent release. */
import { unlinkSync } from 'node:fs';
import { ExaiError } from '../errors.js';
import { readLock, writeAtomic, type LockOwner } from './file.js';
import { GUARD_BUSY, withGuard, type GuardEnv } from './guard.js';

/** What acquireLock hands back. */
export interface LockHandle {
  readonly key: string;
  /** The lockfile path. */
  readonly path: string;
  /** The metadata currently in the lockfile (lease moves forward on each refresh). */
  readonly owner: LockOwner;
  /** True once the lockfile was found gone or someone else's: stop and don't commit. */
  readonly lost: boolean;
  /** The fencing token of this acquisition (the lockfile's `generation`). */
  readonly generation: number;
  /** True when acquiring took over a stale lock on the way. */
  readonly tookOver: boolean;
  /** How long acquiring waited, in clock ms. */
  readonly waitedMs: number;
  /** Throw LOCK_LOST unless the lockfile, read again now, is still this acquisition's. */
  assertHeld(): Promise<void>;
  /** Refresh the lease now (the timer does it every leaseMs/3); marks `lost` when not ours. */
  refresh(): Promise<void>;
  /** Remove the lockfile if it is still ours; safe to call twice. */
  release(): Promise<void>;
}

/** Everything startHandle needs from the acquire attempt. */
export interface HandleInput {
  opts: { key: string; leaseMs: number };
  clock: { now(): number };
  path: string;
  env: GuardEnv;
  owner: LockOwner;
  tookOver: boolean;
  waitedMs: number;
}

// Release waits past GUARD_STALE_MS so even a guard left by a crash is broken first.
const RELEASE_GUARD_WAIT_MS = 15_000;
const REFRESH_GUARD_WAIT_MS = 1_000;

class HeldLock implements LockHandle {
  owner: LockOwner;
  lost = false;
  private released = false;
  private refreshing: Promise<void> | undefined;
  private readonly timer: NodeJS.Timeout;

  constructor(private readonly input: HandleInput) {
    this.owner = input.owner;
    // A third of the lease, always: two refreshes may fail before the lease runs out.
    const every = Math.max(1, Math.floor(input.opts.leaseMs / 3));
    this.timer = setInterval(() => void this.refresh(), every);
    this.timer.unref();
  }

  get key(): string {
    return this.input.opts.key;
  }
  get path(): string {
    return this.input.path;
  }
  get generation(): number {
    return this.owner.generation;
  }
  get tookOver(): boolean {
    return this.input.tookOver;
  }
  get waitedMs(): number {
    return this.input.waitedMs;
  }

  async assertHeld(): Promise<void> {
    // A cached "held" flag is what a stalled holder would trust: read the file itself.
    if (!this.lost && !this.released) {
      const seen = await readLock(this.path).catch(() => undefined);
      if (seen?.owner?.nonce === this.owner.nonce) return;
      this.markLost();
    }
    throw new ExaiError('LOCK_LOST', `lost the lock on ${this.key.slice(0, 12)}: another process took it over`, {
      hint: 'this process stalled past its lease; run the command again',
      path: this.path,
    });
  }

  refresh(): Promise<void> {
    // One refresh at a time: the timer may fire while a slow one is still running.
    this.refreshing ??= this.refreshOnce().finally(() => (this.refreshing = undefined));
    return this.refreshing;
  }

  private async refreshOnce(): Promise<void> {
    if (this.released || this.lost) return;
    try {
      const outcome = await withGuard(this.path, this.input.env, REFRESH_GUARD_WAIT_MS, async () => {
        const seen = await readLock(this.path);
        if (seen?.owner?.nonce !== this.owner.nonce) return 'lost';
        const next = { ...this.owner, lease_expires_at: this.input.clock.now() + this.input.opts.leaseMs };
        await writeAtomic(this.path, JSON.stringify(next));
        this.owner = next;
        return 'ok';
      });
      if (outcome === 'lost') this.markLost();
      if (outcome === GUARD_BUSY) this.checkExpiry();
    } catch {
      this.checkExpiry(); // try again next tick; give up only once the lease is surely gone
    }
  }

  private checkExpiry(): void {
    if (this.input.clock.now() >= this.owner.lease_expires_at) this.markLost();
  }

  private markLost(): void {
    this.lost = true;
    clearInterval(this.timer);
  }

  async release(): Promise<void> {
    if (this.released) return;
    this.released = true;
    clearInterval(this.timer);
    await this.refreshing;
    if (this.lost) return;
    // Left in place if the guard stays busy: with no refreshes its lease simply runs out.
    await withGuard(this.path, this.input.env, RELEASE_GUARD_WAIT_MS, async () => {
      const seen = await readLock(this.path);
      if (seen?.owner?.nonce === this.owner.nonce) unlinkSync(this.path);
    }).catch(() => undefined);
  }
}

/** Wrap a freshly created lockfile in a handle that keeps its lease alive. */
export function startHandle(input: HandleInput): LockHandle {
  return new HeldLock(input);
}
