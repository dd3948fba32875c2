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
 * pid is gone (same host) or it is older than GUARD_STALE_MS. Breaking a guard uses the
 * rename-compare-put-back dance; its residual race needs a crash inside that microsecond
 * window AND two breakers at once, which we accept.
 */
import fs from 'node:fs/promises';
import { createExclusive, makeNonce } from './file.js';
import { isPidAlive } from './stale.js';

/** A guard older than this (by mtime) is abandoned. */
export const GUARD_STALE_MS = 10_000;

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
  if (Date.now() - mtimeMs > GUARD_STALE_MS) return true;
  try {
    const g = JSON.parse(raw) as Partial<GuardContent>;
    if (g.hostname !== env.hostname || typeof g.pid !== 'number') return false;
    if (g.boot_id !== undefined && env.bootId !== undefined && g.boot_id !== env.bootId) return true;
    return !isPidAlive(g.pid);
  } catch {
    return false; // being written right now; the mtime rule catches a truly abandoned one
  }
}

async function breakGuard(guard: string, judgedRaw: string): Promise<void> {
  const aside = `${guard}.stale.${makeNonce()}`;
  try {
    await fs.rename(guard, aside);
  } catch {
    return; // someone else broke or released it
  }
  const moved = await fs.readFile(aside, 'utf8').catch(() => judgedRaw);
  // We moved a different (live) guard: put it back unless the path was taken meanwhile.
  if (moved !== judgedRaw) await fs.link(aside, guard).catch(() => undefined);
  await fs.unlink(aside).catch(() => undefined);
}

async function tryBreakStaleGuard(guard: string, env: GuardEnv): Promise<void> {
  try {
    const [raw, stat] = [await fs.readFile(guard, 'utf8'), await fs.stat(guard)];
    if (isGuardStale(raw, stat.mtimeMs, env)) await breakGuard(guard, raw);
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

async function dropGuard(guard: string, nonce: string): Promise<void> {
  const raw = await fs.readFile(guard, 'utf8').catch(() => '');
  if (raw.includes(nonce)) await fs.unlink(guard).catch(() => undefined);
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
