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
  mapFsError,
  procFdPath,
  unresolvableLink,
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
  const realPath = resolveReal(abs, input, lst);
  const roots = canonicalRoots(policy);
  checkResolved(realPath, lst, roots, policy, input);
  const fd = openFd(realPath, input);
  try {
    const identity = checkHandleStat(fs.fstatSync(fd, { bigint: true }), lst, input, policy.allowHardlinks);
    const opened = readOpenedPath(fd);
    if (opened !== undefined) checkOpenedPath(opened, roots, policy.allowExternal, input);
    return { displayPath: input, realPath, fd, identity };
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
