/**
 * The gc lock seen and cleared by hand (`exai unlock`, `exai doctor`). Embedded, it is a
 * lockfile next to the catalog, judged and removed like any lockfile. Shared, it is the lease
 * row in the database, read and cleared through exai_gc_lock_status / _clear in the caller's
 * own scope (service key: the operator's; a session: that user's). Both come back as
 * LockEntry, so unlock's dry run, prompt, --all and report treat them like content locks.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import type { LockEntry, LockOwner } from '../lock/index.js';
import type { Runtime } from '../runtime.js';
import { gcBackend } from './gc.js';
import { gcLockKey, type GcLockHolder, type LocalGcLock } from './gc-lock.js';

/** The key the shared gc lock goes by in `exai unlock` and gc's LOCK_TIMEOUT. */
export const SHARED_GC_LOCK_KEY = 'exai_gc_lock';

/** The shared gc lock as the server reports it (exai_gc_lock_status / _clear). */
export interface SharedGcLockState {
  held: boolean;
  live: boolean;
  generation?: number | undefined;
  holder?: GcLockHolder | undefined;
  since?: string | undefined;
  expiresAt?: string | undefined;
}

/** Reading and clearing the shared gc lock; the server decides the scope. */
export interface GcLockAdmin {
  status(): Promise<SharedGcLockState>;
  /** Remove it when its lease ran out (live too with `force`), only if still `generation`'s. */
  clear(generation: number | undefined, force: boolean): Promise<SharedGcLockState & { cleared: boolean }>;
}

/** The embedded gc lock's place without creating anything (doctor and unlock only look). */
export async function findLocalGcLock(dataDir: string): Promise<LocalGcLock> {
  const real = await fs.realpath(dataDir).catch(() => path.resolve(dataDir));
  return { dir: real, key: gcLockKey(`sqlite:${real}`) };
}

/** The gc lock of this runtime's catalog, if one is held: zero or one entry. */
export async function findGcLocks(rt: Runtime, now: number): Promise<LockEntry[]> {
  if (!rt.shared) {
    const { listLocks } = await import('../lock/index.js');
    const { dir, key } = await findLocalGcLock(rt.config.dirs.data);
    return (await listLocks(dir, now, { leaseMs: rt.config.leaseMs })).filter((e) => e.key === key);
  }
  const admin = await sharedAdmin(rt);
  const state = await admin.status();
  return state.held ? [sharedEntry(state)] : [];
}

/** Remove the given gc lock entries (stale ones; live ones too with `force`); returns what went. */
export async function removeGcLocks(rt: Runtime, entries: readonly LockEntry[], opts: { force: boolean; now: number }): Promise<LockEntry[]> {
  if (entries.length === 0) return [];
  if (!rt.shared) {
    const { removeStaleLocks } = await import('../lock/index.js');
    const { dir } = await findLocalGcLock(rt.config.dirs.data);
    return removeStaleLocks(dir, { keys: entries.map((e) => e.key), force: opts.force, now: opts.now, leaseMs: rt.config.leaseMs });
  }
  const admin = await sharedAdmin(rt);
  const removed: LockEntry[] = [];
  for (const entry of entries) {
    // The generation shown (and confirmed): a gc that took over since then is not removed.
    const result = await admin.clear(entry.owner?.generation || undefined, opts.force);
    if (result.cleared) removed.push(sharedEntry(result));
  }
  return removed;
}

async function sharedAdmin(rt: Runtime): Promise<GcLockAdmin> {
  const { gcLock } = await gcBackend(rt);
  if (gcLock === undefined) throw new Error('the shared backend has no gc lock store'); // gcBackend always sets it when shared
  return gcLock;
}

/** The lease row as a LockEntry: stale once its lease ran out (nothing else can be judged remotely). */
function sharedEntry(state: SharedGcLockState): LockEntry {
  const h = state.holder ?? { pid: 0, hostname: 'unknown', user: 'unknown', started: state.since ?? 'unknown' };
  const expires = state.expiresAt === undefined ? Number.NaN : Date.parse(state.expiresAt);
  const owner: LockOwner = { pid: h.pid, hostname: h.hostname, user: h.user, command: h.command ?? 'gc', started: state.since ?? h.started, lease_expires_at: expires, nonce: '', generation: state.generation ?? 0 };
  const until = state.expiresAt ?? 'an unknown time';
  const reason = state.live ? `lease live until ${until} (server time)` : `lease expired at ${until} (server time)`;
  return { key: SHARED_GC_LOCK_KEY, path: '', owner, stale: !state.live, reason };
}
