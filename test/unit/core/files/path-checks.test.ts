import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ExaiError } from '../../../../src/core/errors.js';
import { checkPathLexically, isSpecialFilesystem, isWithin } from '../../../../src/core/files/path-checks.js';

function lexicalError(input: string, platform: NodeJS.Platform): string | undefined {
  try {
    checkPathLexically(input, platform);
    return undefined;
  } catch (error) {
    expect(error).toBeInstanceOf(ExaiError);
    return (error as ExaiError).name;
  }
}

describe('isWithin', () => {
  it('is separator-aware, never a string prefix', () => {
    expect(isWithin('/root', '/root')).toBe(true);
    expect(isWithin('/root', '/root/a/b.txt')).toBe(true);
    expect(isWithin('/root', '/root2/a.txt')).toBe(false);
    expect(isWithin('/root', '/root/../etc/passwd')).toBe(false);
    expect(isWithin('/root', '/root/..hidden')).toBe(true);
    expect(isWithin('/root', '/')).toBe(false);
  });

  it('agrees with path.relative on paths that are not normalised', () => {
    const slow = (root: string, target: string): boolean => {
      const rel = path.relative(root, target);
      return rel === '' || (!path.isAbsolute(rel) && rel !== '..' && !rel.startsWith(`..${path.sep}`));
    };
    const paths = ['/', '/root', '/root/', '/root//a', '/root/./a', '/root/a/..', '/root/..', '/root/.', '/rootx', '/root/...', '/root/..a', '//root/a', '/a/../root/b', 'root/a'];
    for (const root of paths) {
      for (const target of paths) expect(isWithin(root, target), `${root} ⊇ ${target}`).toBe(slow(root, target));
    }
  });
});

describe('isSpecialFilesystem', () => {
  it('covers /proc, /sys and /dev but not look-alikes', () => {
    expect(isSpecialFilesystem('/proc/self/environ')).toBe(true);
    expect(isSpecialFilesystem('/sys/kernel')).toBe(true);
    expect(isSpecialFilesystem('/dev/zero')).toBe(true);
    expect(isSpecialFilesystem('/devices/x.txt')).toBe(false);
    expect(isSpecialFilesystem('/home/proc/x')).toBe(false);
  });

  it('agrees with isWithin for every root, normalised or not', () => {
    const paths = ['/proc', '/proc/', '/proc/1/environ', '/procx', '/sys', '/sysfs/a', '/dev', '/dev/', '/devices', '/', '//proc/self', '/a/../proc/x', '/proc/../etc', '/./dev/null', 'proc/x', '/dev/./null'];
    for (const p of paths) expect(isSpecialFilesystem(p), p).toBe(['/proc', '/sys', '/dev'].some((root) => isWithin(root, p)));
  });
});

describe('checkPathLexically', () => {
  it('accepts ordinary names', () => {
    expect(lexicalError('docs/report v2 (final).pdf', 'linux')).toBeUndefined();
    expect(lexicalError('naïve/日本語.md', 'linux')).toBeUndefined();
  });

  it('rejects Windows forms that Win32 rewrites behind our back', () => {
    for (const input of ['\\\\server\\share\\a.pdf', '\\\\?\\C:\\a.pdf', 'C:foo.pdf', 'a.txt:secret', 'x.exe.', 'x.exe ', 'CON', 'nul.txt', 'dir/COM1.pdf']) {
      expect(lexicalError(input, 'win32'), input).toBe('PATH_INVALID');
    }
    expect(lexicalError('C:\\Users\\me\\a.pdf', 'win32')).toBeUndefined();
  });
});
