import { describe, expect, it } from 'vitest';
import { allExtensions, finalExtension } from '../../../../src/core/files/names.js';

describe('allExtensions', () => {
  it('lists every dotted part, lower-case, after Windows trailing dot/space stripping', () => {
    expect(allExtensions('report.PDF.exe')).toEqual(['.pdf', '.exe']);
    expect(allExtensions('x.exe. ')).toEqual(['.exe']);
    expect(allExtensions('.bashrc')).toEqual([]);
    expect(allExtensions('a..b')).toEqual(['.b']);
    expect(allExtensions('a. .b')).toEqual(['.b']);
    expect(allExtensions('a. Sh .txt')).toEqual(['.sh', '.txt']);
    expect(allExtensions('README')).toEqual([]);
  });

  it('agrees with splitting on dots for awkward names', () => {
    const reference = (clean: string): string[] =>
      clean.split('.').slice(1).filter((part) => part.trim() !== '').map((part) => `.${part.trim().toLowerCase()}`);
    const names = ['a.b.c', '..a.b', 'a...', 'a.\t.b', 'e\u0301.TXT', 'Ｆ.ＥＸＥ', 'a. b c .d', '.', '...', 'a.b.', ' a . b '];
    for (const name of names) {
      const clean = name.normalize('NFC').replace(/[. ]+$/u, '').replace(/^\.+/u, '');
      expect(allExtensions(name), name).toEqual(reference(clean));
    }
    expect(finalExtension('archive.tar.GZ')).toBe('.gz');
  });
});
