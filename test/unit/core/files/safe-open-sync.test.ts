/**
 * openSmallSync remembers realpath(directory) for the rest of a run (one policy object).
 * These cases change the directory chain between two opens with the SAME policy, after the
 * memo was filled, and check that every open still ends where a fresh policy would: nothing
 * outside the roots is ever accepted, and an accepted file reports where it really is.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ExaiError } from '../../../../src/core/errors.js';
import { dirRealCache } from '../../../../src/core/files/open-checks.js';
import { closeSmallFile, openSmallSync, type OpenedFd } from '../../../../src/core/files/safe-open-sync.js';
import type { PathPolicy } from '../../../../src/core/files/types.js';
import { makeTempDir, writeFixture } from '../../../fixtures/files.js';

let base: string;
let root: string;
let outside: string;
let policy: PathPolicy;

beforeEach(async () => {
  base = await makeTempDir();
  root = path.join(base, 'root');
  outside = path.join(base, 'outside');
  await writeFixture(root, 'd/a.txt', 'inside a\n');
  await writeFixture(root, 'd/b.txt', 'inside b\n');
  await writeFixture(root, 'p/d/a.txt', 'nested a\n');
  await writeFixture(outside, 'a.txt', 'outside secret\n');
  await writeFixture(outside, 'd/a.txt', 'outside nested secret\n');
  policy = { roots: [root], allowExternal: false, allowHardlinks: false, cwd: root };
});

afterEach(async () => {
  await fs.rm(base, { recursive: true, force: true });
});

function open(input: string, p: PathPolicy = policy): OpenedFd {
  const opened = openSmallSync(input, p, Number.MAX_SAFE_INTEGER);
  if (opened === undefined) throw new Error(`${input} was not opened`);
  closeSmallFile(opened);
  return opened;
}

function rejection(input: string, p: PathPolicy = policy): ExaiError {
  let error: unknown;
  try {
    open(input, p);
  } catch (e) {
    error = e;
  }
  expect(error).toBeInstanceOf(ExaiError);
  return error as ExaiError;
}

const SWAP_REJECTIONS = ['PATH_OUTSIDE_ROOTS', 'FILE_IDENTITY_CHANGED'];

describe('openSmallSync within one run', () => {
  it('rejects a file whose directory became a symlink to outside after a file in it was opened', async () => {
    expect(open('d/a.txt').realPath).toBe(path.join(root, 'd/a.txt'));
    await fs.rename(path.join(root, 'd'), path.join(base, 'd-moved'));
    await fs.symlink(outside, path.join(root, 'd'));
    expect(SWAP_REJECTIONS).toContain(rejection('d/a.txt').name);
    // The same path given absolute is the same directory key: still rejected.
    expect(SWAP_REJECTIONS).toContain(rejection(path.join(root, 'd/a.txt')).name);
  });

  it('rejects a file whose grandparent directory became a symlink to outside', async () => {
    open('p/d/a.txt');
    await fs.rename(path.join(root, 'p'), path.join(base, 'p-moved'));
    await fs.symlink(outside, path.join(root, 'p'));
    expect(SWAP_REJECTIONS).toContain(rejection('p/d/a.txt').name);
  });

  it('keeps rejecting after the swap, and accepts again once the directory is restored', async () => {
    open('d/a.txt');
    await fs.rename(path.join(root, 'd'), path.join(base, 'd-moved'));
    await fs.symlink(outside, path.join(root, 'd'));
    expect(SWAP_REJECTIONS).toContain(rejection('d/a.txt').name);
    expect(SWAP_REJECTIONS).toContain(rejection('d/a.txt').name);
    await fs.rm(path.join(root, 'd'));
    await fs.rename(path.join(base, 'd-moved'), path.join(root, 'd'));
    expect(open('d/b.txt').realPath).toBe(path.join(root, 'd/b.txt'));
  });

  it('reports the real location when the directory became a symlink that stays inside', async () => {
    open('d/a.txt');
    await fs.rename(path.join(root, 'd'), path.join(root, 'd-real'));
    await fs.symlink(path.join(root, 'd-real'), path.join(root, 'd'));
    // What a fresh run would say, and what the warm one must say too.
    const fresh = open('d/b.txt', { ...policy });
    expect(fresh.realPath).toBe(path.join(root, 'd-real/b.txt'));
    expect(open('d/b.txt').realPath).toBe(fresh.realPath);
  });

  it('opens the new file when the directory was replaced by another real directory', async () => {
    const first = open('d/a.txt');
    await fs.rename(path.join(root, 'd'), path.join(base, 'd-moved'));
    await writeFixture(root, 'd/a.txt', 'replacement\n');
    const second = open('d/a.txt');
    expect(second.realPath).toBe(path.join(root, 'd/a.txt'));
    expect(second.identity.ino).not.toBe(first.identity.ino);
  });

  it('still judges a final-component symlink by its target in a directory it has seen', async () => {
    open('d/a.txt');
    await fs.symlink(path.join(outside, 'a.txt'), path.join(root, 'd/out.txt'));
    await fs.symlink(path.join(root, 'd/b.txt'), path.join(root, 'd/in.txt'));
    expect(rejection('d/out.txt').name).toBe('PATH_OUTSIDE_ROOTS');
    expect(rejection('d/in.txt').name).toBe('SYMLINK_REJECTED');
  });

  it('resolves ../ lexically against the cwd, as before, with a warm directory memo', async () => {
    open('d/a.txt');
    expect(open('p/../d/b.txt').realPath).toBe(path.join(root, 'd/b.txt'));
    expect(rejection('d/../../outside/a.txt').name).toBe('PATH_OUTSIDE_ROOTS');
  });
});

describe('dirRealCache', () => {
  it('belongs to one policy object: another policy, even an equal one, starts empty', () => {
    if (process.platform !== 'linux') return;
    open('d/a.txt');
    expect(dirRealCache(policy)?.dirs.get(path.join(root, 'd'))).toBe(path.join(root, 'd'));
    expect(dirRealCache({ ...policy })?.dirs.size).toBe(0);
  });
});
