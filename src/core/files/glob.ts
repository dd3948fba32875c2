/**
 * A small glob matcher for patterns the user quoted (`'dist/**\/*.pdf'`). Hand-written
 * because Node 20's path.matchesGlob prints an ExperimentalWarning on every CLI run.
 * Supports `*`, `**`, `?` and `[...]`/`[!...]`; like a shell, wildcards skip dotfiles
 * unless the pattern segment itself starts with a dot.
 */

/** True when `input` contains glob syntax. */
export function hasGlobSyntax(input: string): boolean {
  return /[*?[]/.test(input);
}

/** Split a pattern into the literal directory to walk from and the wildcard remainder. */
export function splitGlob(pattern: string): { base: string; rest: string } {
  const segments = pattern.split('/');
  const firstGlob = segments.findIndex(hasGlobSyntax);
  if (firstGlob === -1) return { base: pattern, rest: '' };
  const baseSegments = segments.slice(0, firstGlob);
  const base = baseSegments.length === 0 ? '.' : baseSegments.join('/') || '/';
  return { base, rest: segments.slice(firstGlob).join('/') };
}

/** Compile a `/`-separated pattern (relative to its base) into an anchored RegExp. */
export function globToRegExp(pattern: string): RegExp {
  const segments = pattern.split('/').filter((segment) => segment !== '');
  let source = '';
  segments.forEach((segment, index) => {
    const last = index === segments.length - 1;
    if (segment === '**') {
      source += last ? '(?!\\.)[^/]+(?:/(?!\\.)[^/]+)*' : '(?:(?!\\.)[^/]+/)*';
    } else {
      source += compileSegment(segment) + (last ? '' : '/');
    }
  });
  return new RegExp(`^${source}$`, 'u');
}

/** How many path segments deep a pattern reaches (Infinity with `**`). */
export function globDepth(pattern: string): number {
  const segments = pattern.split('/').filter((segment) => segment !== '');
  return segments.includes('**') ? Infinity : segments.length;
}

function compileSegment(segment: string): string {
  let out = segment.startsWith('.') ? '' : '(?!\\.)';
  for (let i = 0; i < segment.length; i++) {
    const char = segment[i] ?? '';
    if (char === '*') out += '[^/]*';
    else if (char === '?') out += '[^/]';
    else if (char === '[') {
      const close = segment.indexOf(']', i + 2);
      if (close === -1) {
        out += '\\[';
        continue;
      }
      let body = segment.slice(i + 1, close);
      const negate = body.startsWith('!') || body.startsWith('^');
      if (negate) body = body.slice(1);
      out += `[${negate ? '^/' : ''}${body.replace(/[\\\]^]/g, '\\$&')}]`;
      i = close;
    } else out += char.replace(/[.+^${}()|\\\]]/g, '\\$&');
  }
  return out;
}
