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
import { checkPathLexically } from './path-checks.js';
import { mapFsError } from './safe-open.js';

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
}

/** Expand files, directories (recursively, not following symlinked dirs) and glob patterns. */
export async function expandInputs(inputs: readonly string[], cwd: string): Promise<ExpandResult> {
  const walk: Walk = { found: new Map(), errors: [] };
  for (const input of inputs) await expandOne(input, cwd, walk);
  const files = [...walk.found.values()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  return { files, errors: walk.errors };
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
  await walkDir(walk, abs, input, '', Infinity, undefined);
}

async function expandGlob(pattern: string, cwd: string, walk: Walk): Promise<void> {
  const { base, rest } = splitGlob(pattern.split(path.sep).join('/'));
  const before = walk.found.size;
  const baseAbs = path.resolve(cwd, base);
  const isDir = await fsp.lstat(baseAbs).then((st) => st.isDirectory(), () => false);
  if (isDir) await walkDir(walk, baseAbs, base === '.' ? '' : base, '', globDepth(rest), globToRegExp(rest));
  if (walk.found.size > before) return;
  walk.errors.push(
    new ExaiError('PATH_NOT_FOUND', `No files match ${JSON.stringify(pattern)}.`, {
      path: pattern,
      hint: 'check the pattern; `**` matches any number of directories, and dotfiles need a pattern that starts with a dot',
    }),
  );
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
  if (!walk.found.has(abs)) walk.found.set(abs, display);
}

function toExaiError(error: unknown, displayPath: string): ExaiError {
  const mapped = mapFsError(error, displayPath);
  if (isExaiError(mapped)) return mapped;
  throw mapped;
}
