/**
 * The break guard `<key>.lock.guard`: a short-lived O_EXCL file held while a lockfile is
 * re-read and then removed or rewritten (takeover, release, lease refresh, `exai unlock`).
 *
 * Why a guard: "read C, judge stale, rename, compare, put back if it was not C" has a hole —
 * while the wrongly moved live lock is aside, the path is empty and a third process can
 * create its own lock there, so the put-back fails and two processes believe they hold it.
 * With the guard, every removal/rewrite happens after a re-read under the guard, and the
 * only unguarded operation is O_EXCL creation, which cannot succeed while a lockfile exists.
 * So the file a takeover renames aside is always the one it just judged stale.
 *
 * The guard is held for microseconds. A guard left by a crashed process is broken when its
 * pid is gone (same host), its host rebooted, or (another host) it is older than
 * GUARD_STALE_MS. A live pid on this host is never broken by age alone (a stopped process
 * still holds it) unless the guard is so old that the pid must have been reused.
 *
 * Breaking is atomic: a breaker first creates `<guard>.break.<guard nonce>` (O_EXCL, one per
 * guard instance), then re-reads the guard and unlinks it only if it is still that instance.
 * A slow breaker that judged an older guard finds the marker taken, or the guard changed, and
 * touches nothing — no rename aside, no put-back that can fail.
 */
import fs from 'node:fs/promises';
import { createExclusive, makeNonce, readLock, unlinkQuietly } from './file.js';
import { isPidAlive } from './stale.js';

/** A guard older than this (by mtime) is abandoned, unless its pid lives on this host. */
export const GUARD_STALE_MS = 10_000;
/** A guard whose pid still lives on this host is broken only after this long (pid reused). */
const GUARD_PID_REUSED_MS = 300_000;
/** A break marker left by a crash inside a break is removed after this long. */
const MARKER_STALE_MS = 60_000;

/** Who is asking for the guard. */
export interface GuardEnv {
  pid: number;
  hostname: string;
  bootId: string | undefined;
}

interface GuardContent {
  pid: number;
  hostname: string;
  boot_id?: string | undefined;
  nonce: string;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

function isGuardStale(raw: string, mtimeMs: number, env: GuardEnv): boolean {
  const age = Date.now() - mtimeMs;
  const g = parseGuard(raw);
  if (!g || g.hostname !== env.hostname || typeof g.pid !== 'number') return age > GUARD_STALE_MS;
  if (g.boot_id !== undefined && env.bootId !== undefined && g.boot_id !== env.bootId) return true;
  return !isPidAlive(g.pid) || age > GUARD_PID_REUSED_MS;
}

function parseGuard(raw: string): Partial<GuardContent> | undefined {
  try {
    const value = JSON.parse(raw) as unknown;
    return typeof value === 'object' && value !== null ? (value) : undefined;
  } catch {
    return undefined;
  }
}

/** One identity per guard instance: its nonce, or its inode and mtime when it has none. */
function instanceOf(raw: string, ino: number, mtimeMs: number): string {
  const nonce = parseGuard(raw)?.nonce;
  return typeof nonce === 'string' && /^[0-9a-f]{1,64}$/.test(nonce) ? nonce : `i${ino}-${Math.floor(mtimeMs)}`;
}

async function breakGuard(guard: string, judged: { raw: string; ino: number; mtimeMs: number }): Promise<void> {
  const marker = `${guard}.break.${instanceOf(judged.raw, judged.ino, judged.mtimeMs)}`;
  if (!(await createExclusive(marker, String(process.pid)))) {
    await dropStaleMarker(marker);
    return; // another breaker has this instance
  }
  try {
    // Only the marker holder may remove this instance, so it is still there or already gone.
    const now = await readGuard(guard);
    if (now?.raw === judged.raw && now.ino === judged.ino) await fs.unlink(guard);
  } catch {
    // gone already
  } finally {
    await fs.unlink(marker).catch(() => undefined);
  }
}

/** Content, inode and mtime from one open handle, so they describe the same instance. */
async function readGuard(guard: string): Promise<{ raw: string; ino: number; mtimeMs: number } | undefined> {
  const handle = await fs.open(guard, 'r').catch(() => undefined);
  if (!handle) return undefined;
  try {
    const stat = await handle.stat();
    return { raw: await handle.readFile('utf8'), ino: stat.ino, mtimeMs: stat.mtimeMs };
  } finally {
    await handle.close();
  }
}

/** Only a crash inside a break leaves a marker behind; after a minute it is debris. */
async function dropStaleMarker(marker: string): Promise<void> {
  const stat = await fs.stat(marker).catch(() => undefined);
  if (stat && Date.now() - stat.mtimeMs > MARKER_STALE_MS) await fs.unlink(marker).catch(() => undefined);
}

async function tryBreakStaleGuard(guard: string, env: GuardEnv): Promise<void> {
  try {
    const seen = await readGuard(guard);
    if (seen && isGuardStale(seen.raw, seen.mtimeMs, env)) await breakGuard(guard, seen);
  } catch {
    // gone already: just retry
  }
}

async function takeGuard(guard: string, env: GuardEnv, waitMs: number): Promise<string | undefined> {
  const deadline = Date.now() + waitMs;
  const nonce = makeNonce();
  const content = JSON.stringify({ pid: env.pid, hostname: env.hostname, boot_id: env.bootId, nonce });
  for (let attempt = 0; ; attempt += 1) {
    if (await createExclusive(guard, content)) return nonce;
    if (attempt % 20 === 0) await tryBreakStaleGuard(guard, env);
    if (Date.now() >= deadline) return undefined;
    await sleep(1 + Math.random() * 4);
  }
}

// readLock's synchronous read: the guard is as small and as local as a lockfile.
async function dropGuard(guard: string, nonce: string): Promise<void> {
  const seen = await readLock(guard).catch(() => undefined);
  if (seen?.raw.includes(nonce) === true) unlinkQuietly(guard);
}

/** Sentinel: the guard could not be had within the wait. */
export const GUARD_BUSY = Symbol('guard busy');

/** Run `body` holding `<lockPath>.guard`; GUARD_BUSY when it stayed taken for `waitMs`. */
export async function withGuard<T>(
  lockPath: string,
  env: GuardEnv,
  waitMs: number,
  body: () => Promise<T>,
): Promise<T | typeof GUARD_BUSY> {
  const guard = `${lockPath}.guard`;
  const nonce = await takeGuard(guard, env, waitMs);
  if (nonce === undefined) return GUARD_BUSY;
  try {
    return await body();
  } finally {
    await dropGuard(guard, nonce);
  }
}
