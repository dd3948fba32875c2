/** `exai unlock [key…] [--all] [--force]` and `exai doctor`: list lockfiles and clear stale ones. */
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { lockPathFor, locksDirOf, readBootId, readLock, validateLockKey, type LockOwner } from './file.js';
import { withGuard } from './guard.js';
import { judgeLock, type JudgeEnv } from './stale.js';
import { removeAsideJudged } from './takeover.js';

/** One lockfile as `exai unlock`/`doctor` show it. */
export interface LockEntry {
  key: string;
  path: string;
  /** Undefined when the file is unreadable or not owner metadata. */
  owner: LockOwner | undefined;
  stale: boolean;
  reason: string;
}

/** How to judge locks found on disk. */
export interface JudgeOptions {
  /** How long an unreadable lockfile may sit untouched before it is stale (default 60 s). */
  leaseMs?: number;
  hostname?: string;
}

/** What removeStaleLocks should remove. */
export interface RemoveLocksOptions extends JudgeOptions {
  /** Only these keys; all lockfiles when omitted (`--all`). */
  keys?: string[];
  /** Also remove LIVE locks. Only for an operator who knows the holder is gone. */
  force?: boolean;
  now: number;
  pid?: number;
}

const DEFAULT_GARBAGE_MS = 60_000;
const DEBRIS_AGE_MS = 60_000;
const GUARD_WAIT_MS = 15_000;

function judgeEnvOf(now: number, options: JudgeOptions): JudgeEnv {
  return {
    now,
    wallNow: Date.now(),
    leaseMs: options.leaseMs ?? DEFAULT_GARBAGE_MS,
    hostname: options.hostname ?? os.hostname(),
    bootId: readBootId(),
  };
}

async function readNames(dir: string): Promise<string[]> {
  try {
    return await fs.readdir(locksDirOf(dir));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
}

function keyOfName(name: string): string | undefined {
  if (!name.endsWith('.lock')) return undefined;
  const key = name.slice(0, -'.lock'.length);
  return /^[A-Za-z0-9._-]{1,200}$/.test(key) ? key : undefined;
}

/** Every lockfile under state dir `dir`, judged at `now` (clock ms). */
export async function listLocks(dir: string, now: number, options: JudgeOptions = {}): Promise<LockEntry[]> {
  const env = judgeEnvOf(now, options);
  const entries: LockEntry[] = [];
  for (const name of (await readNames(dir)).sort()) {
    const key = keyOfName(name);
    if (key === undefined) continue;
    const file = path.join(locksDirOf(dir), name);
    const read = await readLock(file);
    if (!read) continue;
    entries.push({ key, path: file, owner: read.owner, ...judgeLock(read, env) });
  }
  return entries;
}

// Leftovers of a crash between rename-aside and unlink, or a refresh's temp file.
async function removeDebris(dir: string): Promise<void> {
  for (const name of await readNames(dir)) {
    if (!/\.lock(\.guard)?\.stale\.|\.lock\.guard\.break\.|\.tmp$/.test(name)) continue;
    const file = path.join(locksDirOf(dir), name);
    const stat = await fs.stat(file).catch(() => undefined);
    if (stat && Date.now() - stat.mtimeMs > DEBRIS_AGE_MS) await fs.unlink(file).catch(() => undefined);
  }
}

/** Remove stale lockfiles (live ones too with `force`); returns what was removed. */
export async function removeStaleLocks(dir: string, options: RemoveLocksOptions): Promise<LockEntry[]> {
  options.keys?.forEach(validateLockKey);
  const keys = options.keys ?? (await listLocks(dir, options.now, options)).map((e) => e.key);
  const guardEnv = { pid: options.pid ?? process.pid, hostname: options.hostname ?? os.hostname(), bootId: readBootId() };
  const removed: LockEntry[] = [];
  for (const key of keys) {
    const file = lockPathFor(dir, key);
    if (!(await readLock(file))) continue; // nothing to remove (and maybe no locks dir at all)
    const outcome = await withGuard(file, guardEnv, GUARD_WAIT_MS, () =>
      removeAsideJudged(file, judgeEnvOf(options.now, options), options.force ?? false),
    );
    if (typeof outcome === 'object' && outcome.kind === 'removed' && outcome.read && outcome.verdict) {
      removed.push({ key, path: file, owner: outcome.read.owner, ...outcome.verdict });
    }
  }
  if (options.keys === undefined) await removeDebris(dir);
  return removed;
}
