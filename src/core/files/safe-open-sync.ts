/**
 * safeOpen for small files, with synchronous syscalls. Each async fs call is a round trip
 * through libuv's threadpool (two futex wake-ups and an event-loop turn); for a file of a
 * few KiB those round trips cost several times the work itself, so 10,000 small files spent
 * most of their time waiting on the pool (bench/validate.mjs). The checks are the very
 * same ones safeOpen makes (open-checks.ts), in the same order, on the same kind of fd.
 */
import fs, { type BigIntStats } from 'node:fs';
import path from 'node:path';
import {
  OPEN_FLAGS,
  canonicalRoots,
  checkHandleStat,
  checkOpenedPath,
  checkResolved,
  dirRealCache,
  mapFsError,
  procFdPath,
  unresolvableLink,
  type DirRealCache,
} from './open-checks.js';
import { checkNotSpecial, checkPathLexically } from './path-checks.js';
import type { OpenedFile, PathPolicy } from './types.js';

/** A file opened and verified by openSmallSync: read only through `fd`, then closeSmallFile. */
export interface OpenedFd extends Omit<OpenedFile, 'handle'> {
  fd: number;
}

/**
 * Open `input` like safeOpen, synchronously, when lstat says it is at most `maxBytes` long;
 * undefined (nothing opened) for a larger regular file, which the caller opens with safeOpen.
 * Everything that is not a regular file is checked and rejected here.
 */
export function openSmallSync(input: string, policy: PathPolicy, maxBytes: number): OpenedFd | undefined {
  checkPathLexically(input);
  const abs = path.resolve(policy.cwd, input);
  checkNotSpecial(abs, input);
  const lst = statEntry(abs, input);
  if (lst.isFile() && Number(lst.size) > maxBytes) return undefined;
  // Only a regular file: a final symlink must go through realpath (its target decides
  // PATH_OUTSIDE_ROOTS vs SYMLINK_REJECTED), and anything else is rejected anyway.
  const cache = lst.isFile() ? dirRealCache(policy) : undefined;
  if (cache !== undefined) {
    const fast = openViaDirCache(abs, input, lst, policy, cache);
    if (fast !== undefined) return fast;
  }
  return openChecked(input, lst, policy, resolveReal(abs, input, lst)).file;
}

/**
 * The cached way: realpath(parent) from the memo + the base name, which is no symlink (lstat
 * said regular file, and O_NOFOLLOW holds it to that). The result counts only when the kernel
 * names the opened fd exactly that path (so the containment check ran on the true path); any
 * other outcome closes the fd, forgets the directory and returns undefined so the caller runs
 * today's full resolution. A stale entry can thus cost a second try, never decide a result.
 */
function openViaDirCache(abs: string, input: string, lst: BigIntStats, policy: PathPolicy, cache: DirRealCache): OpenedFd | undefined {
  const dir = path.dirname(abs);
  let file: OpenedFd | undefined;
  try {
    const realPath = joinReal(realDir(dir, cache), path.basename(abs));
    let opened: string | undefined;
    ({ file, opened } = openChecked(input, lst, policy, realPath));
    if (opened === realPath || opened === `${realPath} (deleted)`) return file;
    // No /proc, a kernel naming paths unlike realpath(3), or a tree moving under us: stop
    // trusting the memo for this run (contained mismatches are rare; rejections throw above).
    cache.usable = false;
  } catch {
    // Fall through: the full resolution below decides, exactly as without the memo.
  }
  if (file !== undefined) fs.closeSync(file.fd);
  cache.dirs.delete(dir);
  return undefined;
}

// A long run over many directories must not grow the memo without bound.
const MAX_CACHED_DIRS = 4096;

function realDir(dir: string, cache: DirRealCache): string {
  let real = cache.dirs.get(dir);
  if (real === undefined) {
    real = fs.realpathSync.native(dir);
    if (cache.dirs.size >= MAX_CACHED_DIRS) cache.dirs.clear();
    cache.dirs.set(dir, real);
  }
  return real;
}

function joinReal(dirReal: string, base: string): string {
  return dirReal.endsWith(path.sep) ? dirReal + base : dirReal + path.sep + base;
}

// The checks and the open, in today's order, once `realPath` is known; `opened` is the
// kernel's name for the fd (undefined without /proc).
function openChecked(input: string, lst: BigIntStats, policy: PathPolicy, realPath: string): { file: OpenedFd; opened: string | undefined } {
  const roots = canonicalRoots(policy);
  checkResolved(realPath, lst, roots, policy, input);
  const fd = openFd(realPath, input);
  try {
    const identity = checkHandleStat(fs.fstatSync(fd, { bigint: true }), lst, input, policy.allowHardlinks);
    const opened = readOpenedPath(fd);
    if (opened !== undefined) checkOpenedPath(opened, roots, policy.allowExternal, input);
    return { file: { displayPath: input, realPath, fd, identity }, opened };
  } catch (error) {
    fs.closeSync(fd);
    throw error;
  }
}

/** Close a file from openSmallSync. */
export function closeSmallFile(file: OpenedFd): void {
  fs.closeSync(file.fd);
}

function statEntry(abs: string, displayPath: string): BigIntStats {
  try {
    return fs.lstatSync(abs, { bigint: true });
  } catch (error) {
    throw mapFsError(error, displayPath);
  }
}

// realpathSync.native is realpath(3), as fsp.realpath is; plain realpathSync is a JS walk
// that lstats every component.
function resolveReal(abs: string, displayPath: string, lst: BigIntStats): string {
  try {
    return fs.realpathSync.native(abs);
  } catch (error) {
    if (!lst.isSymbolicLink()) throw mapFsError(error, displayPath);
    throw unresolvableLink(displayPath, readLinkOr(abs, '?'));
  }
}

function openFd(realPath: string, displayPath: string): number {
  try {
    return fs.openSync(realPath, OPEN_FLAGS);
  } catch (error) {
    throw mapFsError(error, displayPath);
  }
}

// No /proc mounted (some containers) reads as undefined: the dev+ino check still holds.
function readOpenedPath(fd: number): string | undefined {
  const link = procFdPath(fd);
  return link === undefined ? undefined : readLinkOr(link, undefined);
}

function readLinkOr<T>(link: string, fallback: T): string | T {
  try {
    return fs.readlinkSync(link);
  } catch {
    return fallback;
  }
}
