/**
 * Turn command-line inputs into a file list: files as given, directories walked, quoted
 * globs matched. Nothing here decides what may be read — every path still goes through
 * safeOpen — so links and special files are passed on for it to reject with a clear error.
 */
import type { Dirent } from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { ExaiError, isExaiError } from '../errors.js';
import { globDepth, globToRegExp, hasGlobSyntax, splitGlob } from './glob.js';
import { canonicalRoots } from './open-checks.js';
import { checkContained, checkPathLexically } from './path-checks.js';
import { mapFsError } from './safe-open.js';
import type { PathPolicy } from './types.js';

/** Files found (sorted, de-duplicated) and the inputs that could not be expanded. */
export interface ExpandResult {
  files: string[];
  errors: ExaiError[];
}

// Version-control internals are never what someone means by "validate this directory".
const SKIPPED_DIRS = new Set(['.git', '.hg', '.svn']);

interface Walk {
  /** Absolute path → path as shown to the user (first spelling wins). */
  found: Map<string, string>;
  errors: ExaiError[];
  /** Files matched so far, counting repeats: an input that adds none matched nothing. */
  matched: number;
  policy: PathPolicy | undefined;
}

/**
 * Expand files, directories (recursively, not following symlinked dirs) and glob patterns.
 * With a policy, a directory or glob base outside the allowed roots is refused as one error
 * and never listed, so its entries' names are not revealed. Throws NO_FILES (a usage error)
 * naming every input that matched no file: an empty directory or a glob with no match is
 * almost always a typo, and "0 valid" would let it pass a CI step.
 */
export async function expandInputs(inputs: readonly string[], cwd: string, policy?: PathPolicy): Promise<ExpandResult> {
  const walk: Walk = { found: new Map(), errors: [], matched: 0, policy };
  const unmatched: string[] = [];
  for (const input of inputs) {
    const before = { matched: walk.matched, errors: walk.errors.length };
    await expandOne(input, cwd, walk);
    if (walk.matched === before.matched && walk.errors.length === before.errors) unmatched.push(input);
  }
  if (unmatched.length > 0) throw noFiles(unmatched);
  const files = [...walk.found.values()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  return { files, errors: walk.errors };
}

function noFiles(inputs: readonly string[]): ExaiError {
  const names = inputs.map((i) => JSON.stringify(i)).join(', ');
  return new ExaiError('NO_FILES', `no files match ${names}`, {
    path: inputs[0],
    hint: 'check the path or pattern; `**` matches any number of directories, dotfiles need a pattern that starts with a dot, and .git is skipped',
    details: { inputs },
  });
}

async function expandOne(input: string, cwd: string, walk: Walk): Promise<void> {
  try {
    checkPathLexically(input);
  } catch (error) {
    walk.errors.push(error as ExaiError);
    return;
  }
  const abs = path.resolve(cwd, input);
  let isDir: boolean;
  try {
    isDir = (await fsp.lstat(abs)).isDirectory();
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' && hasGlobSyntax(input)) return expandGlob(input, cwd, walk);
    walk.errors.push(toExaiError(error, input));
    return;
  }
  if (!isDir) {
    addFile(walk, abs, input);
    return;
  }
  if (await refuseOutside(walk, abs, input)) return;
  await walkDir(walk, abs, input, '', Infinity, undefined);
}

/** A directory outside the roots: one PATH_OUTSIDE_ROOTS for it, and none of its names read. */
async function refuseOutside(walk: Walk, absDir: string, input: string): Promise<boolean> {
  const policy = walk.policy;
  if (policy === undefined || policy.allowExternal) return false;
  try {
    const real = await fsp.realpath(absDir);
    checkContained(real, canonicalRoots(policy), false, input);
    return false;
  } catch (error) {
    walk.errors.push(toExaiError(error, input));
    return true;
  }
}

async function expandGlob(pattern: string, cwd: string, walk: Walk): Promise<void> {
  const { base, rest } = splitGlob(pattern.split(path.sep).join('/'));
  const baseAbs = path.resolve(cwd, base);
  const isDir = await fsp.lstat(baseAbs).then((st) => st.isDirectory(), () => false);
  if (!isDir || (await refuseOutside(walk, baseAbs, pattern))) return;
  await walkDir(walk, baseAbs, base === '.' ? '' : base, '', globDepth(rest), globToRegExp(rest));
}

async function walkDir(
  walk: Walk,
  absDir: string,
  displayDir: string,
  relDir: string,
  depth: number,
  match: RegExp | undefined,
): Promise<void> {
  let entries: Dirent[];
  try {
    entries = await fsp.readdir(absDir, { withFileTypes: true });
  } catch (error) {
    walk.errors.push(toExaiError(error, displayDir || '.'));
    return;
  }
  const displayPrefix = displayDir === '' ? '' : joinPrefix(displayDir);
  const absPrefix = joinPrefix(absDir);
  for (const entry of entries) {
    const rel = relDir === '' ? entry.name : `${relDir}/${entry.name}`;
    const display = displayPrefix + entry.name;
    const abs = absPrefix + entry.name;
    // Dirent comes from lstat semantics: a symlink to a directory is not a directory here.
    if (entry.isDirectory()) {
      if (depth > 1 && !SKIPPED_DIRS.has(entry.name)) await walkDir(walk, abs, display, rel, depth - 1, match);
    } else if (match === undefined || match.test(rel)) {
      addFile(walk, abs, display);
    }
  }
}

// What path.join(dir, name) puts before a directory entry's name (which is one plain
// component: never "", ".", ".." and never containing a separator), worked out once per
// directory instead of normalising the whole path again for each of its entries.
function joinPrefix(dir: string): string {
  return path.join(dir, 'x').slice(0, -1);
}

function addFile(walk: Walk, abs: string, display: string): void {
  walk.matched++;
  if (!walk.found.has(abs)) walk.found.set(abs, display);
}

function toExaiError(error: unknown, displayPath: string): ExaiError {
  const mapped = mapFsError(error, displayPath);
  if (isExaiError(mapped)) return mapped;
  throw mapped;
}
