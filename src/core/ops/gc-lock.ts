/**
 * One gc at a time per catalog: two at once are safe (every deletion takes its content lock)
 * but plan and repeat the same work and interleave their output. The gc lock is a lockfile
 * like the content locks (fenced by generation, refreshed lease, a holder killed -9 taken
 * over as stale), keyed by the catalog it covers. A dry run does not take it.
 */
import { createHash } from 'node:crypto';
import { ExaiError, isExaiError } from '../errors.js';
import type { LockHandle, LockOwner } from '../lock/index.js';
import type { Runtime } from '../runtime.js';
import { formatDuration } from '../units.js';
import { gcBackend } from './gc.js';

/** How to take the gc lock. */
export interface GcLockOptions {
  /** false: fail at once (LOCK_TIMEOUT naming the holder) instead of waiting up to lockTimeout. */
  wait: boolean;
  /** Called on each wait round with the current holder (for a "waiting for …" spinner). */
  onWait?: ((holder: LockOwner) => void) | undefined;
}

/** The catalog a gc run covers, as text: the lock is one per scope. */
export async function gcLockScope(rt: Runtime): Promise<string> {
  if (!rt.shared) return `sqlite:${rt.config.dirs.data}`;
  const { userId } = await gcBackend(rt);
  return `supabase:${rt.config.supabaseUrl ?? ''}:${userId ?? 'all-users'}`;
}

/** The lock key for a scope: `gc-` and 16 hex digits (a valid lockfile name, as `exai unlock` takes). */
export function gcLockKey(scope: string): string {
  return `gc-${createHash('sha256').update(scope).digest('hex').slice(0, 16)}`;
}

/** Take the gc lock for this runtime's catalog; LOCK_TIMEOUT names the holder and the unlock command. */
export async function acquireGcLock(rt: Runtime, opts: GcLockOptions): Promise<LockHandle> {
  const { acquireLock } = await import('../lock/index.js');
  const key = gcLockKey(await gcLockScope(rt));
  try {
    return await acquireLock({
      dir: rt.config.dirs.state,
      key,
      timeoutMs: opts.wait ? rt.config.lockTimeoutMs : 0,
      leaseMs: rt.config.leaseMs,
      owner: { command: 'gc' },
      clock: rt.clock,
      onWait: opts.onWait,
    });
  } catch (error) {
    if (!isExaiError(error) || error.name !== 'LOCK_TIMEOUT') throw error;
    throw gcBusy(error, key, opts.wait ? rt.config.lockTimeoutMs : undefined);
  }
}

function gcBusy(error: ExaiError, key: string, waitedMs: number | undefined): ExaiError {
  const holder = error.details?.['holder'] as LockOwner | undefined;
  const who = holder === undefined ? 'a gc that is starting' : `pid ${holder.pid} on host ${holder.hostname} (user ${holder.user}) since ${holder.started}`;
  const how = waitedMs === undefined ? 'not waiting (--no-wait)' : `still held after waiting ${formatDuration(waitedMs)} (lockTimeout)`;
  return new ExaiError('LOCK_TIMEOUT', `another gc is running on this catalog: ${who}; ${how}`, {
    hint: `let it finish; if that process is gone (killed on another host), \`exai unlock ${key} --all\` removes its lock (a holder gone from this host is taken over by itself)`,
    path: error.path,
    details: { key, holder },
    cause: error,
  });
}
