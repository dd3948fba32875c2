/**
 * The shared catalog's gc lock as a held handle: try, wait (polling with back-off, announcing
 * the holder) up to lockTimeout, then renew the lease every third of it while gc runs. A
 * renew that finds the lock gone (lease ran out, someone took over) stops renewing; gc's
 * deletions stay safe on their own (content locks, 404 = gone).
 */
import type { Runtime } from '../runtime.js';
import type { GcLockHandle, GcLockHolder, GcLockOptions, GcLockStore } from './gc-lock.js';

/** Take the shared gc lock, waiting as `opts` says. */
export async function acquireSharedGcLock(rt: Runtime, store: GcLockStore, holder: GcLockHolder, opts: GcLockOptions): Promise<GcLockHandle> {
  const timeoutMs = opts.wait ? rt.config.lockTimeoutMs : 0;
  const started = rt.clock.now();
  let delay = 250;
  for (;;) {
    const attempt = await store.acquire(holder, rt.config.leaseMs);
    if (attempt.acquired) return new SharedGcLock(store, attempt.generation, rt.config.leaseMs);
    const elapsed = rt.clock.now() - started;
    if (elapsed >= timeoutMs) {
      const { gcBusy } = await import('./gc-lock.js');
      const until = attempt.expiresAt === undefined ? '' : ` at ${attempt.expiresAt}`;
      const hint = `let it finish; if that process is gone, its lease runs out${until} and the next gc takes over (\`exai unlock exai_gc_lock --all\` clears it now)`;
      throw gcBusy(attempt.holder, opts.wait ? timeoutMs : undefined, { key: 'exai_gc_lock', hint });
    }
    if (attempt.holder !== undefined) opts.onWait?.(attempt.holder);
    // Equal jitter, so runners started by one cron tick don't poll in lockstep.
    await rt.clock.sleep(Math.min(delay / 2 + Math.random() * (delay / 2), timeoutMs - elapsed));
    delay = Math.min(delay * 2, 2_000);
  }
}

class SharedGcLock implements GcLockHandle {
  private readonly timer: NodeJS.Timeout;
  private released = false;

  constructor(
    private readonly store: GcLockStore,
    readonly generation: number,
    leaseMs: number,
  ) {
    // A third of the lease: two renewals may fail before it runs out.
    this.timer = setInterval(() => {
      void this.store.renew(this.generation, leaseMs).catch(() => clearInterval(this.timer));
    }, Math.max(1_000, Math.floor(leaseMs / 3)));
    this.timer.unref();
  }

  async release(): Promise<void> {
    if (this.released) return;
    this.released = true;
    clearInterval(this.timer);
    // Not released (network gone): the lease runs out by itself.
    await this.store.release(this.generation).catch(() => false);
  }
}
