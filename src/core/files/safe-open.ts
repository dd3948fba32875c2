/**
 * Open a file the user named without letting the name lead elsewhere: containment on
 * realpaths, no final-component symlinks, regular files only, and — because Node has no
 * openat2 — "open, then verify the handle" (security.md §2.3) to close the TOCTOU gap.
 * This is the async opener (a FileHandle the caller may stream from or keep); small files
 * that are read and closed at once go through safe-open-sync.ts, which makes the same checks.
 */
import type { BigIntStats } from 'node:fs';
import fsp, { type FileHandle } from 'node:fs/promises';
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

export { mapFsError } from './open-checks.js';

/** Open `input` for reading only if the policy allows it; the caller reads through `handle` and closes it. */
export async function safeOpen(input: string, policy: PathPolicy): Promise<OpenedFile> {
  checkPathLexically(input);
  const abs = path.resolve(policy.cwd, input);
  checkNotSpecial(abs, input);
  const lst = await statEntry(abs, input);
  const realPath = await resolveReal(abs, input, lst);
  const roots = canonicalRoots(policy);
  checkResolved(realPath, lst, roots, policy, input);
  const handle = await openHandle(realPath, input);
  try {
    const identity = checkHandleStat(await handle.stat({ bigint: true }), lst, input, policy.allowHardlinks);
    const opened = await readOpenedPath(handle);
    if (opened !== undefined) checkOpenedPath(opened, roots, policy.allowExternal, input);
    return { displayPath: input, realPath, handle, identity };
  } catch (error) {
    await handle.close().catch(() => undefined);
    throw error;
  }
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
    throw unresolvableLink(displayPath, await fsp.readlink(abs).catch(() => '?'));
  }
}

async function openHandle(realPath: string, displayPath: string): Promise<FileHandle> {
  try {
    return await fsp.open(realPath, OPEN_FLAGS);
  } catch (error) {
    throw mapFsError(error, displayPath);
  }
}

// No /proc mounted (some containers) reads as undefined: the dev+ino check still holds.
async function readOpenedPath(handle: FileHandle): Promise<string | undefined> {
  const link = procFdPath(handle.fd);
  return link === undefined ? undefined : fsp.readlink(link).catch(() => undefined);
}
