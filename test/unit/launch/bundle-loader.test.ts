import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { BUILD_ID_MARK, buildIdOf, cacheFileFor, createBundleLoader, writeCodeCaches } from '../../../src/launch/bundle-loader.js';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

function tempDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'exai-loader-'));
  dirs.push(dir);
  return dir;
}

/** Write a bundle the way scripts/bundle.mjs seals one: its text, then its build id. */
function writeBundle(dir: string, name: string, body: string): string {
  const id = createHash('sha256').update(body).digest('hex').slice(0, 32);
  fs.writeFileSync(path.join(dir, name), `${body}\n${BUILD_ID_MARK}${id}\n`);
  return id;
}

const MAIN = `
function answer() { return 41 + 1; }
exports.answer = answer();
exports.sibling = require('./helper.cjs').greeting;
exports.sep = require('node:path').sep;
`;

describe('bundle loader', () => {
  it('evaluates a bundle with its sibling and Node built-ins, and has no cache before training', () => {
    const dir = tempDir();
    writeBundle(dir, 'main.cjs', MAIN);
    writeBundle(dir, 'helper.cjs', "exports.greeting = 'hi';");
    const loader = createBundleLoader(dir);
    const main = loader.require('main.cjs') as { answer: number; sibling: string; sep: string };
    expect(main).toMatchObject({ answer: 42, sibling: 'hi', sep: path.sep });
    expect(loader.loaded().map((b) => [b.name, b.cacheAccepted])).toEqual([['helper.cjs', false], ['main.cjs', false]]);
  });

  it('loads each bundle once', () => {
    const dir = tempDir();
    writeBundle(dir, 'main.cjs', 'exports.n = (globalThis.__exaiLoads = (globalThis.__exaiLoads ?? 0) + 1);');
    const loader = createBundleLoader(dir);
    expect(loader.require('main.cjs')).toBe(loader.require('main.cjs'));
    expect(loader.loaded()).toHaveLength(1);
  });

  it('hands V8 the trained cache on the next start, and V8 takes it', () => {
    const dir = tempDir();
    const id = writeBundle(dir, 'main.cjs', MAIN);
    writeBundle(dir, 'helper.cjs', "exports.greeting = 'hi';");
    const trainer = createBundleLoader(dir);
    trainer.require('main.cjs');
    const written = writeCodeCaches(trainer);
    expect(written).toContain(cacheFileFor(path.join(dir, 'main.cjs'), id));
    const next = createBundleLoader(dir);
    expect((next.require('main.cjs') as { answer: number }).answer).toBe(42);
    expect(next.loaded().every((b) => b.cacheAccepted)).toBe(true);
  });

  it('never pairs a rebuilt bundle with the old cache, even at the same length', () => {
    const dir = tempDir();
    writeBundle(dir, 'main.cjs', 'exports.value = 1111;');
    const trainer = createBundleLoader(dir);
    trainer.require('main.cjs');
    writeCodeCaches(trainer);
    writeBundle(dir, 'main.cjs', 'exports.value = 2222;');
    const loader = createBundleLoader(dir);
    expect((loader.require('main.cjs') as { value: number }).value).toBe(2222);
    expect(loader.loaded()[0]?.cacheAccepted).toBe(false);
  });

  it('compiles from source when the cache is garbage', () => {
    const dir = tempDir();
    const id = writeBundle(dir, 'main.cjs', 'exports.value = 7;');
    fs.writeFileSync(cacheFileFor(path.join(dir, 'main.cjs'), id), Buffer.alloc(4096, 0xab));
    const loader = createBundleLoader(dir);
    expect((loader.require('main.cjs') as { value: number }).value).toBe(7);
    expect(loader.loaded()[0]?.cacheAccepted).toBe(false);
  });

  it('runs a bundle without a build id, with no cache file at all', () => {
    const dir = tempDir();
    fs.writeFileSync(path.join(dir, 'main.cjs'), 'exports.value = 3;');
    const loader = createBundleLoader(dir);
    expect((loader.require('main.cjs') as { value: number }).value).toBe(3);
    expect(loader.loaded()[0]?.cacheFile).toBeUndefined();
    expect(writeCodeCaches(loader)).toEqual([]);
  });

  it('reads the build id from the last line only when it looks like one', () => {
    expect(buildIdOf(`x\n${BUILD_ID_MARK}0123456789abcdef0123456789abcdef\n`)).toBe('0123456789abcdef0123456789abcdef');
    expect(buildIdOf(`x\n${BUILD_ID_MARK}../../etc/passwd\n`)).toBeUndefined();
    expect(buildIdOf('x')).toBeUndefined();
  });
});
