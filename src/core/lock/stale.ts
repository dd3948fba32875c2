/**
 * When is a lock stale (DESIGN.md §6, facts/security.md §6.6)? A live owner is never stale
 * just because it is slow: only an expired lease (the holder stopped refreshing), a dead pid
 * on this host, a reboot since it was taken, or an unreadable file nobody touched for a lease.
 */
import type { LockOwner, LockRead } from './file.js';

/** What the judge needs to know about "here and now". */
export interface JudgeEnv {
  /** Epoch ms, compared with lease_expires_at. */
  now: number;
  /** Real wall-clock ms, compared with file mtimes (which the filesystem sets). */
  wallNow: number;
  /** Upper bound on how long an unreadable lockfile may sit untouched before it is abandoned. */
  leaseMs: number;
  hostname: string;
  bootId: string | undefined;
}

/** The judgement on one lockfile. */
export interface LockVerdict {
  stale: boolean;
  /** Why, for people: "lease expired 3s ago", "process 123 is gone", … */
  reason: string;
}

/** kill(pid, 0): ESRCH → dead; EPERM (someone else's process) → alive. */
export function isPidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code !== 'ESRCH';
  }
}

/** "12s", "3m", "2h": coarse durations for messages. */
export function formatDuration(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 120) return `${s}s`;
  if (s < 2 * 3600) return `${Math.round(s / 60)}m`;
  if (s < 2 * 86400) return `${Math.round(s / 3600)}h`;
  return `${Math.round(s / 86400)}d`;
}

function judgeOwner(owner: LockOwner, env: JudgeEnv): LockVerdict {
  if (owner.lease_expires_at <= env.now) {
    return { stale: true, reason: `lease expired ${formatDuration(env.now - owner.lease_expires_at)} ago` };
  }
  if (owner.hostname === env.hostname) {
    if (owner.boot_id !== undefined && env.bootId !== undefined && owner.boot_id !== env.bootId) {
      return { stale: true, reason: `host rebooted since pid ${owner.pid} took it` };
    }
    if (!isPidAlive(owner.pid)) return { stale: true, reason: `process ${owner.pid} is gone` };
    return { stale: false, reason: `held by live process ${owner.pid}` };
  }
  // Another host: its pid means nothing here, so only the lease can tell.
  return { stale: false, reason: `held by pid ${owner.pid} on ${owner.hostname}, lease still valid` };
}

/**
 * Lockfiles are linked into place with their content (file.ts createExclusive), so an
 * unreadable one is never a lock being written: only debris (a crash of an older exai, a
 * full disk). It gets a short grace for the rare reader that raced an older writer.
 */
const UNREADABLE_GRACE_MS = 2_000;

/** Judge one read of a lockfile. */
export function judgeLock(read: LockRead, env: JudgeEnv): LockVerdict {
  if (read.owner) return judgeOwner(read.owner, env);
  const age = env.wallNow - read.mtimeMs;
  if (age > Math.min(env.leaseMs, UNREADABLE_GRACE_MS)) return { stale: true, reason: `unreadable lockfile untouched for ${formatDuration(age)}` };
  return { stale: false, reason: 'unreadable lockfile, recently written' };
}

/** "pid 123 on host X (user Y) running `exai upload`, started 3m ago" */
export function describeOwner(owner: LockOwner, wallNow: number): string {
  const started = Date.parse(owner.started);
  const ago = Number.isFinite(started) ? `, started ${formatDuration(wallNow - started)} ago` : '';
  return `pid ${owner.pid} on host ${owner.hostname} (user ${owner.user}) running \`${owner.command}\`${ago}`;
}
