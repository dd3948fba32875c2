/**
 * The checks safe open makes on stats and paths, shared by the async opener (large files,
 * handles kept open) and the synchronous one (small files): one set of rules, two ways to
 * make the syscalls, so the two can't drift apart.
 */
import fs, { type BigIntStats } from 'node:fs';
import path from 'node:path';
import { ExaiError } from '../errors.js';
import { checkContained, checkNotSpecial } from './path-checks.js';
import type { FileIdentity, PathPolicy } from './types.js';

// O_NOFOLLOW and O_NONBLOCK are undefined on Windows; OR-ing undefined would silently give 0.
/** Flags for every open: read-only, never through a final symlink, never blocking on a FIFO. */
export const OPEN_FLAGS = fs.constants.O_RDONLY | (fs.constants.O_NOFOLLOW ?? 0) | (fs.constants.O_NONBLOCK ?? 0);

const rootCache = new Map<string, string[]>();

/**
 * The policy's roots (none means the cwd), realpath'd once per process. The caller passes
 * realpath'd roots; resolve again anyway so a root that is itself a symlink can't make
 * containment compare two spellings of one place.
 */
export function canonicalRoots(policy: PathPolicy): string[] {
  const roots = policy.roots.length > 0 ? policy.roots : [policy.cwd];
  // NUL can't occur in a path, so the joined key is unambiguous.
  const key = roots.join('\0');
  let cached = rootCache.get(key);
  if (cached === undefined) {
    cached = roots.map(resolveRoot);
    rootCache.set(key, cached);
  }
  return cached;
}

function resolveRoot(root: string): string {
  try {
    return fs.realpathSync.native(root);
  } catch {
    return path.resolve(root);
  }
}

/**
 * realpath(directory) memo for one policy object (one run), keyed by the resolved directory
 * as given. Only for openers that confirm every result through /proc/self/fd; `usable`
 * drops to false once that confirmation turns out to be unavailable.
 */
export interface DirRealCache {
  readonly dirs: Map<string, string>;
  usable: boolean;
}

// Keyed by the policy object, so the memo dies with the run and no two runs share one.
const dirCaches = new WeakMap<PathPolicy, DirRealCache>();

/** The policy's directory memo, or undefined where the opener can't confirm what it opened. */
export function dirRealCache(policy: PathPolicy): DirRealCache | undefined {
  if (procFdPath(0) === undefined) return undefined;
  let cache = dirCaches.get(policy);
  if (cache === undefined) {
    cache = { dirs: new Map(), usable: true };
    dirCaches.set(policy, cache);
  }
  return cache.usable ? cache : undefined;
}

/** After lstat and realpath: the resolved path must be inside the roots, the entry a regular file with one link. */
export function checkResolved(realPath: string, lst: BigIntStats, roots: readonly string[], policy: PathPolicy, displayPath: string): void {
  checkNotSpecial(realPath, displayPath);
  checkContained(realPath, roots, policy.allowExternal, displayPath);
  if (lst.isSymbolicLink()) {
    throw new ExaiError('SYMLINK_REJECTED', `${JSON.stringify(displayPath)} is a symbolic link; exai does not follow links to files.`, {
      path: displayPath,
      hint: 'pass the real file, not a link to it',
    });
  }
  if (!lst.isFile()) throw notRegular(lst, displayPath);
  checkLinkCount(lst.nlink, displayPath, policy.allowHardlinks);
}

/** The error for a symlink whose target can't be resolved. */
export function unresolvableLink(displayPath: string, target: string): ExaiError {
  return new ExaiError('SYMLINK_REJECTED', `${JSON.stringify(displayPath)} is a symlink to ${target}, which can't be resolved.`, {
    path: displayPath,
    hint: 'pass the real file, not a link to it',
  });
}

/** fstat of the opened fd must show the very file lstat checked, still a regular file with one link. */
export function checkHandleStat(st: BigIntStats, lst: BigIntStats, displayPath: string, allowHardlinks: boolean): FileIdentity {
  if (!st.isFile()) throw notRegular(st, displayPath);
  if (st.dev !== lst.dev || st.ino !== lst.ino) {
    throw new ExaiError('FILE_IDENTITY_CHANGED', `${JSON.stringify(displayPath)} was replaced between the check and the open.`, {
      path: displayPath,
      hint: 'run again once nothing is modifying the file',
    });
  }
  checkLinkCount(st.nlink, displayPath, allowHardlinks);
  return { dev: st.dev, ino: st.ino, size: st.size, mtimeNs: st.mtimeNs, ctimeNs: st.ctimeNs, nlink: st.nlink };
}

/**
 * Linux only: an intermediate directory swapped for a symlink after realpath is followed by
 * open() even with O_NOFOLLOW; `opened` is the kernel's readlink of /proc/self/fd/N.
 */
export function checkOpenedPath(opened: string, roots: readonly string[], allowExternal: boolean, displayPath: string): void {
  const live = opened.endsWith(' (deleted)') ? opened.slice(0, -' (deleted)'.length) : opened;
  checkNotSpecial(live, displayPath);
  checkContained(live, roots, allowExternal, displayPath);
}

/** Where the kernel shows an open fd's path, or undefined off Linux. */
export function procFdPath(fd: number): string | undefined {
  return process.platform === 'linux' ? `/proc/self/fd/${fd}` : undefined;
}

/** FILE_CHANGED unless the fd's stat now matches the identity at open and the bytes read. */
export function checkUnchangedStat(after: BigIntStats, before: FileIdentity, bytesRead: number, displayPath: string): void {
  const changed =
    after.size !== before.size ||
    after.mtimeNs !== before.mtimeNs ||
    after.ctimeNs !== before.ctimeNs ||
    BigInt(bytesRead) !== after.size;
  if (!changed) return;
  throw new ExaiError('FILE_CHANGED', `${JSON.stringify(displayPath)} changed while being read (${bytesRead} bytes read, size now ${after.size}).`, {
    path: displayPath,
    hint: 'run again once nothing is writing to the file',
  });
}

/** Turn an fs error for `displayPath` into the matching ExaiError (other errors pass through). */
export function mapFsError(error: unknown, displayPath: string): unknown {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  const quoted = JSON.stringify(displayPath);
  const opts = { path: displayPath, cause: error };
  switch (code) {
    case 'ENOENT':
    case 'ENOTDIR':
      return new ExaiError('PATH_NOT_FOUND', `${quoted} does not exist.`, { ...opts, hint: 'check the spelling and the directory exai runs in' });
    case 'EACCES':
    case 'EPERM':
      return new ExaiError('PERMISSION_DENIED', `${quoted} can't be read: permission denied.`, { ...opts, hint: 'check the file and directory permissions' });
    case 'ELOOP':
      return new ExaiError('SYMLINK_REJECTED', `${quoted} is (or became) a symbolic link; exai does not follow links to files.`, { ...opts, hint: 'pass the real file, not a link to it' });
    case 'ENAMETOOLONG':
      return new ExaiError('PATH_INVALID', `${quoted} is too long for the filesystem.`, { ...opts, hint: 'use a shorter path' });
    case 'EISDIR':
    case 'ENXIO':
    case 'ENODEV':
      return new ExaiError('NOT_REGULAR_FILE', `${quoted} is not a regular file.`, { ...opts, hint: 'pass a regular file' });
    default:
      return error;
  }
}

function checkLinkCount(nlink: bigint, displayPath: string, allowHardlinks: boolean): void {
  if (nlink <= 1n || allowHardlinks) return;
  // A hard link passes every path check (realpath stays inside the root), so the only
  // signal is the link count; git never creates hard links, so one means local tampering.
  throw new ExaiError('HARDLINK_REJECTED', `${JSON.stringify(displayPath)} has ${nlink} hard links; its content may live outside the allowed directories.`, {
    path: displayPath,
    hint: 'copy the file, or set allowHardlinks in the config if you trust every name it has',
  });
}

function notRegular(st: BigIntStats, displayPath: string): ExaiError {
  const kind = st.isDirectory()
    ? 'a directory'
    : st.isFIFO()
      ? 'a FIFO (named pipe)'
      : st.isSocket()
        ? 'a socket'
        : st.isCharacterDevice() || st.isBlockDevice()
          ? 'a device'
          : 'not a regular file';
  return new ExaiError('NOT_REGULAR_FILE', `${JSON.stringify(displayPath)} is ${kind}; only regular files can be read.`, {
    path: displayPath,
    hint: st.isDirectory() ? 'pass the files inside it, or let exai expand the directory' : 'pass a regular file',
  });
}
