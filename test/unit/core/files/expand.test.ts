import { execFileSync } from 'node:child_process';
import fs from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expandInputs } from '../../../../src/core/files/expand.js';
import { globToRegExp, splitGlob } from '../../../../src/core/files/glob.js';
import { makeTempDir, writeFixture } from '../../../fixtures/files.js';

let dir: string;

beforeAll(async () => {
  dir = await makeTempDir('exai-expand-');
  for (const name of ['dist/a.pdf', 'dist/sub/b.pdf', 'dist/sub/deep/c.pdf', 'dist/sub/notes.md', 'dist/.hidden/h.pdf', 'dist/.dot.pdf', 'top.md', 'docs/x.txt']) {
    await writeFixture(dir, name, 'x');
  }
  await writeFixture(dir, 'outside/secret.pdf', 'x');
  await fs.symlink(path.join(dir, 'outside'), path.join(dir, 'dist/linked-dir'));
  await fs.symlink(path.join(dir, 'outside/secret.pdf'), path.join(dir, 'dist/linked.pdf'));
  await writeFixture(dir, 'dist/.git/objects/ab', 'x');
  execFileSync('mkfifo', [path.join(dir, 'docs/pipe')]);
});

afterAll(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

describe('expandInputs', () => {
  it('walks directories recursively without following symlinked directories', async () => {
    const { files, errors } = await expandInputs(['dist'], dir);
    expect(errors).toEqual([]);
    expect(files).toEqual([
      'dist/.dot.pdf',
      'dist/.hidden/h.pdf',
      'dist/a.pdf',
      'dist/linked-dir', // passed on so safeOpen rejects it with a clear error
      'dist/linked.pdf',
      'dist/sub/b.pdf',
      'dist/sub/deep/c.pdf',
      'dist/sub/notes.md',
    ]);
  });

  it('spells each file as path.join(directory as given, name), however the directory was written', async () => {
    const base = path.basename(dir);
    for (const input of ['./docs/', 'docs//', '.', `../${base}/docs`, path.join(dir, 'docs') + '/']) {
      const { files } = await expandInputs([input], dir);
      const expected = input === '.' ? files : ['pipe', 'x.txt'].map((name) => path.join(input, name));
      expect(files, input).toEqual(expected);
      expect(files.length, input).toBeGreaterThan(0);
    }
    expect((await expandInputs(['.'], path.join(dir, 'docs'))).files).toEqual(['pipe', 'x.txt']);
  });

  it('passes special files inside directories on for safeOpen to reject', async () => {
    const { files } = await expandInputs(['docs'], dir);
    expect(files).toEqual(['docs/pipe', 'docs/x.txt']);
  });

  it('expands quoted globs, where * skips dotfiles and ** spans directories', async () => {
    expect((await expandInputs(['dist/**/*.pdf'], dir)).files).toEqual(['dist/a.pdf', 'dist/linked.pdf', 'dist/sub/b.pdf', 'dist/sub/deep/c.pdf']);
    expect((await expandInputs(['dist/*.pdf'], dir)).files).toEqual(['dist/a.pdf', 'dist/linked.pdf']);
    expect((await expandInputs(['dist/sub/?.pdf'], dir)).files).toEqual(['dist/sub/b.pdf']);
    expect((await expandInputs(['*.md'], dir)).files).toEqual(['top.md']);
    expect((await expandInputs([path.join(dir, 'dist/sub/*.md')], dir)).files).toEqual([path.join(dir, 'dist/sub/notes.md')]);
  });

  it('returns files as given, sorted and de-duplicated', async () => {
    const { files } = await expandInputs(['top.md', 'dist/a.pdf', './top.md', 'dist/*.pdf'], dir);
    expect(files).toEqual(['dist/a.pdf', 'dist/linked.pdf', 'top.md']);
  });

  it('reports a missing path as PATH_NOT_FOUND', async () => {
    const { files, errors } = await expandInputs(['missing.pdf', 'top.md'], dir);
    expect(files).toEqual(['top.md']);
    expect(errors.map((e) => [e.name, e.path])).toEqual([['PATH_NOT_FOUND', 'missing.pdf']]);
  });

  it('refuses a glob with no match and an empty directory as NO_FILES naming both', async () => {
    await fs.mkdir(path.join(dir, 'empty'), { recursive: true });
    const error = await expandInputs(['dist/**/*.docx', 'top.md', 'empty'], dir).catch((e: unknown) => e);
    expect(error).toMatchObject({ name: 'NO_FILES', exitCode: 2, message: 'no files match "dist/**/*.docx", "empty"' });
  });

  it('refuses a directory outside the roots once, without listing what is in it', async () => {
    const policy = { roots: [path.join(dir, 'docs')], allowExternal: false, allowHardlinks: false, cwd: dir };
    const { files, errors } = await expandInputs(['dist'], dir, policy);
    expect(files).toEqual([]);
    expect(errors.map((e) => [e.name, e.path])).toEqual([['PATH_OUTSIDE_ROOTS', 'dist']]);
    expect(errors[0]?.hint).toMatch(/EXAI_ALLOWED_PATHS.*EXAI_ALLOW_EXTERNAL_PATHS/);
    expect(JSON.stringify(errors)).not.toContain('a.pdf');
  });

  it('reports a path with a NUL byte without touching the disk', async () => {
    const { errors } = await expandInputs(['a\0b'], dir);
    expect(errors.map((e) => e.name)).toEqual(['PATH_INVALID']);
  });
});

describe('glob helpers', () => {
  it('splits off the literal base directory', () => {
    expect(splitGlob('dist/**/*.pdf')).toEqual({ base: 'dist', rest: '**/*.pdf' });
    expect(splitGlob('*.md')).toEqual({ base: '.', rest: '*.md' });
    expect(splitGlob('/abs/x/[ab].txt')).toEqual({ base: '/abs/x', rest: '[ab].txt' });
  });

  it('compiles character classes and escapes regex syntax', () => {
    expect(globToRegExp('[ab].txt').test('a.txt')).toBe(true);
    expect(globToRegExp('[!ab].txt').test('a.txt')).toBe(false);
    expect(globToRegExp('a+(b).txt').test('a+(b).txt')).toBe(true);
    expect(globToRegExp('*.txt').test('dir/a.txt')).toBe(false);
    expect(globToRegExp('**').test('a/b/c')).toBe(true);
  });
});
