/**
 * Path checks that need no file descriptor: lexical rejects before touching the disk,
 * containment on canonical paths, and the special filesystems no policy may open.
 */
import path from 'node:path';
import { ExaiError } from '../errors.js';

/** Hint for every "outside the allowed directories" error. */
export const ROOTS_HINT = 'add its directory to EXAI_ALLOWED_PATHS (":"-separated), run from a directory that contains it, or set EXAI_ALLOW_EXTERNAL_PATHS=true';

// C0 controls, DEL, C1 controls, and the bidi overrides/isolates that make a name display
// differently from what is opened (U+202A-U+202E, U+2066-U+2069).
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const FORBIDDEN_CHARS = /[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/u;
const WIN_RESERVED = /^(con|prn|aux|nul|com[0-9\u00b9\u00b2\u00b3]|lpt[0-9\u00b9\u00b2\u00b3]|conin\$|conout\$)(\..*)?$/i;

/** Reject a path string that must never be opened, before any filesystem call. */
export function checkPathLexically(input: string, platform: NodeJS.Platform = process.platform): void {
  if (input.length === 0) throw invalid(input, 'an empty path');
  if (input.includes('\0')) throw invalid(input, 'a NUL byte in the path');
  if (FORBIDDEN_CHARS.test(input)) throw invalid(input, 'a control or bidi-override character in the path');
  if (platform === 'win32') checkWindowsPath(input);
}

// Win32 quietly rewrites these forms, so the name we check is not the name that is opened.
function checkWindowsPath(input: string): void {
  if (/^[\\/]{2}/.test(input)) throw invalid(input, 'a UNC or device path (\\\\server\\share, \\\\?\\, \\\\.\\)');
  if (/^[a-z]:(?![\\/])/i.test(input)) throw invalid(input, 'a drive-relative path (C:foo)');
  if (input.slice(2).includes(':')) throw invalid(input, 'a colon (alternate data stream)');
  for (const part of input.split(/[\\/]/)) {
    if (part === '' || part === '.' || part === '..') continue;
    if (/[. ]$/.test(part)) throw invalid(input, 'a name ending in a dot or space');
    if (WIN_RESERVED.test(part)) throw invalid(input, `the reserved device name "${part}"`);
  }
}

function invalid(input: string, what: string): ExaiError {
  return new ExaiError('PATH_INVALID', `Path ${JSON.stringify(input)} is not allowed: it contains ${what}.`, {
    path: input,
    hint: 'pass a plain file name',
  });
}

/** True when `target` is `root` or lies beneath it (separator-aware; never a string prefix). */
export function isWithin(root: string, target: string): boolean {
  // Every path checked per file is already absolute and normalised (resolve, realpath, the
  // kernel); for those, component-wise containment is a prefix test ending at a separator.
  if (path.sep === '/' && isNormalAbsolute(root) && isNormalAbsolute(target)) {
    return target === root || root === '/' || target.startsWith(`${root}/`);
  }
  const rel = path.relative(root, target);
  if (rel === '') return true;
  return !path.isAbsolute(rel) && rel !== '..' && !rel.startsWith(`..${path.sep}`);
}

// Anything path.resolve would still change: "//", a "." or ".." segment, a trailing "/".
const NOT_NORMAL = /\/\/|\/\.\.?(?:\/|$)|.\/$/;

function isNormalAbsolute(p: string): boolean {
  return p.startsWith('/') && !NOT_NORMAL.test(p);
}

const SPECIAL_ROOTS = ['/proc', '/sys', '/dev'];

/** True for paths under /proc, /sys or /dev: kernel views that leak secrets or never end. */
export function isSpecialFilesystem(absPath: string): boolean {
  // Checked three times per file: test the (normal) path once, not once per root as isWithin would.
  if (path.sep === '/' && isNormalAbsolute(absPath)) {
    return SPECIAL_ROOTS.some((root) => absPath.startsWith(root) && (absPath.length === root.length || absPath[root.length] === '/'));
  }
  return SPECIAL_ROOTS.some((root) => isWithin(root, absPath));
}

/** Throw SPECIAL_FILESYSTEM when `absPath` is under /proc, /sys or /dev. */
export function checkNotSpecial(absPath: string, displayPath: string): void {
  if (!isSpecialFilesystem(absPath)) return;
  throw new ExaiError(
    'SPECIAL_FILESYSTEM',
    `${JSON.stringify(displayPath)} resolves to ${absPath}, a kernel filesystem (/proc, /sys, /dev) exai never reads.`,
    { path: displayPath, hint: 'copy the data you need into a regular file first' },
  );
}

/** Throw PATH_OUTSIDE_ROOTS unless `realPath` is inside one of `roots` (or external paths are allowed). */
export function checkContained(
  realPath: string,
  roots: readonly string[],
  allowExternal: boolean,
  displayPath: string,
): void {
  if (allowExternal || roots.some((root) => isWithin(root, realPath))) return;
  const where = realPath === displayPath ? '' : ` (it resolves to ${realPath})`;
  throw new ExaiError(
    'PATH_OUTSIDE_ROOTS',
    `${JSON.stringify(displayPath)} is outside the allowed directories${where}: ${roots.join(', ') || '(none)'}.`,
    { path: displayPath, hint: ROOTS_HINT },
  );
}
