/**
 * Open a file the user named without letting the name lead elsewhere: containment on
 * realpaths, no final-component symlinks, regular files only, and — because Node has no
 * openat2 — "open, then verify the handle" (security.md §2.3) to close the TOCTOU gap.
 */
import fs, { type BigIntStats } from 'node:fs';
import fsp, { type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { ExaiError } from '../errors.js';
import { checkContained, checkNotSpecial, checkPathLexically } from './path-checks.js';
import type { FileIdentity, OpenedFile, PathPolicy } from './types.js';

// O_NOFOLLOW and O_NONBLOCK are undefined on Windows; OR-ing undefined would silently give 0.
const OPEN_FLAGS = fs.constants.O_RDONLY | (fs.constants.O_NOFOLLOW ?? 0) | (fs.constants.O_NONBLOCK ?? 0);

/** Open `input` for reading only if the policy allows it; the caller reads through `handle` and closes it. */
export async function safeOpen(input: string, policy: PathPolicy): Promise<OpenedFile> {
  checkPathLexically(input);
  const abs = path.resolve(policy.cwd, input);
  checkNotSpecial(abs, input);
  const lst = await statEntry(abs, input);
  const realPath = await resolveReal(abs, input, lst);
  checkNotSpecial(realPath, input);
  const roots = await canonicalRoots(policy.roots.length > 0 ? policy.roots : [policy.cwd]);
  checkContained(realPath, roots, policy.allowExternal, input);
  checkEntry(lst, input, policy.allowHardlinks);
  const handle = await openHandle(realPath, input);
  try {
    const identity = await verifyHandle(handle, lst, input, policy.allowHardlinks);
    await checkOpenedPath(handle, roots, policy.allowExternal, input);
    return { displayPath: input, realPath, handle, identity };
  } catch (error) {
    await handle.close().catch(() => undefined);
    throw error;
  }
}

const rootCache = new WeakMap<readonly string[], Promise<string[]>>();

// The caller passes realpath'd roots (none means the cwd); resolve again anyway so a root
// that is itself a symlink can't make containment compare two spellings of one place.
function canonicalRoots(roots: readonly string[]): Promise<string[]> {
  let cached = rootCache.get(roots);
  if (cached === undefined) {
    cached = Promise.all(roots.map((root) => fsp.realpath(root).catch(() => path.resolve(root))));
    rootCache.set(roots, cached);
  }
  return cached;
}

async function statEntry(abs: string, displayPath: string): Promise<BigIntStats> {
  try {
    return await fsp.lstat(abs, { bigint: true });
  } catch (error) {
    throw mapFsError(error, displayPath);
  }
}

async function resolveReal(abs: string, displayPath: string, lst: BigIntStats): Promise<string> {
  try {
    return await fsp.realpath(abs);
  } catch (error) {
    if (!lst.isSymbolicLink()) throw mapFsError(error, displayPath);
    const target = await fsp.readlink(abs).catch(() => '?');
    throw new ExaiError('SYMLINK_REJECTED', `${JSON.stringify(displayPath)} is a symlink to ${target}, which can't be resolved.`, {
      path: displayPath,
      hint: 'pass the real file, not a link to it',
    });
  }
}

function checkEntry(lst: BigIntStats, displayPath: string, allowHardlinks: boolean): void {
  if (lst.isSymbolicLink()) {
    throw new ExaiError('SYMLINK_REJECTED', `${JSON.stringify(displayPath)} is a symbolic link; exai does not follow links to files.`, {
      path: displayPath,
      hint: 'pass the real file, not a link to it',
    });
  }
  if (!lst.isFile()) throw notRegular(lst, displayPath);
  checkLinkCount(lst.nlink, displayPath, allowHardlinks);
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

async function openHandle(realPath: string, displayPath: string): Promise<FileHandle> {
  try {
    return await fsp.open(realPath, OPEN_FLAGS);
  } catch (error) {
    throw mapFsError(error, displayPath);
  }
}

async function verifyHandle(
  handle: FileHandle,
  lst: BigIntStats,
  displayPath: string,
  allowHardlinks: boolean,
): Promise<FileIdentity> {
  const st = await handle.stat({ bigint: true });
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

// Linux only: an intermediate directory swapped for a symlink after realpath is followed by
// open() even with O_NOFOLLOW; the kernel's view of the open fd tells where we really are.
async function checkOpenedPath(
  handle: FileHandle,
  roots: readonly string[],
  allowExternal: boolean,
  displayPath: string,
): Promise<void> {
  if (process.platform !== 'linux') return;
  let opened: string;
  try {
    opened = await fsp.readlink(`/proc/self/fd/${handle.fd}`);
  } catch {
    return; // no /proc mounted (some containers): the dev+ino check above still holds
  }
  const live = opened.endsWith(' (deleted)') ? opened.slice(0, -' (deleted)'.length) : opened;
  checkNotSpecial(live, displayPath);
  checkContained(live, roots, allowExternal, displayPath);
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
