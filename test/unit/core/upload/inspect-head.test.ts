/**
 * inspectForUpload judges a big file exactly as `exai validate` (inspectFile) does — same
 * verdict, same errors in the same order — while reading only its head when the head proves
 * the file is binary of a known format. Text, possible text, small files and cached files
 * keep the full read, so they always come back with their hash.
 */
import { createHash, randomBytes } from 'node:crypto';
import { renameSync, statSync } from 'node:fs';
import { readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDefaultConfig } from '../../../../src/core/config/defaults.js';
import type { Config } from '../../../../src/core/config/types.js';
import { openHashCache, prepareHashCacheFile, type HashCache } from '../../../../src/core/files/hash-cache.js';
import { HASH_CACHE_MIN_BYTES, lazyHashCache } from '../../../../src/core/files/lazy-hash-cache.js';
import { pathPolicyFor } from '../../../../src/core/files/policy.js';
import { createUploadBody } from '../../../../src/core/upload/body.js';
import { HASH_WHILE_UPLOADING_MIN_BYTES } from '../../../../src/core/upload/hash-later.js';
import { inspectForUpload } from '../../../../src/core/upload/inspect-head.js';
import { inspectFile, type FileInspection, type InspectOptions } from '../../../../src/core/validate/index.js';
import { makeTempDir } from '../../../servers/upload-fixtures.js';

const MiB = 1024 * 1024;
const BIG = 9 * MiB;
const PDF_HEAD = Buffer.from('%PDF-1.7\n%\xe2\xe3\xcf\xd3\n', 'latin1');
// Signature, IHDR (1024x768 RGB) and the start of an IDAT chunk: file-type reads the chunks.
const PNG_HEAD = Buffer.concat([
  Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
  Buffer.from([0, 0, 0, 13]),
  Buffer.from('IHDR'),
  Buffer.from([0, 0, 4, 0, 0, 0, 3, 0, 8, 2, 0, 0, 0]),
  Buffer.from([0x12, 0x34, 0x56, 0x78]),
  Buffer.from([0x00, 0x80, 0x00, 0x00]),
  Buffer.from('IDAT'),
]);
const ELF_HEAD = Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0x02, 0x01, 0x01, 0x00, 0, 0, 0, 0, 0, 0, 0, 0, 0x02, 0x00, 0x3e, 0x00]);

let temp: Awaited<ReturnType<typeof makeTempDir>>;
let config: Config;
let opts: InspectOptions;

beforeAll(async () => {
  temp = await makeTempDir('exai-inspect-head-');
  const dirs = { config: path.join(temp.dir, 'c'), data: path.join(temp.dir, 'd'), state: path.join(temp.dir, 's') };
  config = createDefaultConfig({ allowedPaths: [temp.dir], dirs });
  opts = { policy: pathPolicyFor(config, temp.dir), rules: config };
});
afterAll(async () => {
  await temp.cleanup();
});

/** Write `head` followed by filler up to `size` bytes; returns the name and the real hash. */
async function bigFile(name: string, head: Buffer, size = BIG, filler: (n: number) => Buffer = randomBytes): Promise<{ name: string; sha256: string }> {
  const content = Buffer.concat([head, filler(size - head.length)]);
  await writeFile(path.join(temp.dir, name), content);
  return { name, sha256: createHash('sha256').update(content).digest('hex') };
}

async function openFdCount(): Promise<number> {
  return (await readdir('/proc/self/fd')).length;
}

const errorNames = (inspection: FileInspection) => inspection.errors.map((e) => e.name);

/** Both inspections of `name`, and a check that they agree on the verdict and every error. */
async function compare(name: string, options: InspectOptions = opts) {
  const head = await inspectForUpload(name, options);
  const full = await inspectFile(name, options);
  expect(head.valid).toBe(full.valid);
  expect(errorNames(head)).toEqual(errorNames(full));
  expect(head.facts?.mimeType).toBe(full.facts?.mimeType);
  expect(head.facts?.size).toBe(full.facts?.size);
  return { head, full };
}

describe('inspectForUpload on big files agrees with exai validate', () => {
  it('a binary PDF is valid from its head alone, and its hash is left for the upload', async () => {
    await bigFile('report.pdf', PDF_HEAD);
    const { head, full } = await compare('report.pdf');
    expect(head.valid).toBe(true);
    expect(head.facts?.mimeType).toBe('application/pdf');
    expect(head.facts?.read.sha256).toBeUndefined();
    expect(full.facts?.read.sha256).toMatch(/^[0-9a-f]{64}$/);
  });

  it('a PNG is valid from its head alone', async () => {
    await bigFile('photo.png', PNG_HEAD);
    const { head } = await compare('photo.png');
    expect(head.valid).toBe(true);
    expect(head.facts?.mimeType).toBe('image/png');
    expect(head.facts?.read.sha256).toBeUndefined();
  });

  it('an ELF executable named .pdf is refused with the same errors', async () => {
    await bigFile('invoice.pdf', ELF_HEAD);
    const { head } = await compare('invoice.pdf');
    expect(head.valid).toBe(false);
    expect(errorNames(head)).toContain('EXECUTABLE_CONTENT');
  });

  it('a PNG named .pdf is refused as a mismatch either way', async () => {
    await bigFile('scan.pdf', PNG_HEAD);
    const { head } = await compare('scan.pdf');
    expect(errorNames(head)).toEqual(['EXTENSION_MISMATCH']);
  });

  it('a file over maxFileSize is refused with the same errors', async () => {
    await bigFile('huge.pdf', PDF_HEAD);
    const small = { ...opts, rules: { ...config, maxFileSize: 8 * MiB + 1 } };
    const { head } = await compare('huge.pdf', small);
    expect(head.valid).toBe(false);
    expect(errorNames(head)).toEqual(['FILE_TOO_LARGE']);
  });

  it('a 9 MiB UTF-8 text file takes the full read and has its hash', async () => {
    const { sha256 } = await bigFile('notes.txt', Buffer.from('Grüße — ünïcödé\n'), BIG, (n) => Buffer.alloc(n, 'lorem ipsum dolor sit amet\n'));
    const { head } = await compare('notes.txt');
    expect(head.valid).toBe(true);
    expect(head.facts?.read.sha256).toBe(sha256);
  });

  it('text whose 3-byte characters straddle the 64 KiB head boundary is still text (full read)', async () => {
    const { sha256 } = await bigFile('euros.txt', Buffer.alloc(0), BIG, (n) => Buffer.alloc(n, '€'));
    const { head } = await compare('euros.txt');
    expect(head.valid).toBe(true);
    expect(head.facts?.mimeType).toMatch(/^text\/plain/);
    expect(head.facts?.read.sha256).toBe(sha256);
  });

  it('an all-ASCII file starting with %PDF and named .pdf takes the full read', async () => {
    const { sha256 } = await bigFile('ascii.pdf', Buffer.from('%PDF-1.4\n'), BIG, (n) => Buffer.alloc(n, '1 0 obj << /Type /Page >> endobj\n'));
    const { head } = await compare('ascii.pdf');
    expect(head.facts?.read.sha256).toBe(sha256);
  });

  it('a text file with a NUL past the head: the head cannot prove binary, so the full read finds it', async () => {
    const text = Buffer.alloc(BIG, 'plain text line\n');
    text[5 * MiB] = 0;
    await writeFile(path.join(temp.dir, 'late-nul.txt'), text);
    const { head } = await compare('late-nul.txt');
    expect(errorNames(head)).toEqual(['INVALID_TEXT']);
    expect(head.facts?.read.sha256).toMatch(/^[0-9a-f]{64}$/);
  });

  it('a binary file of no known format gets the full read and the same UNKNOWN_TYPE error', async () => {
    await bigFile('blob.pdf', Buffer.from([0, 1, 2, 3]));
    const { head } = await compare('blob.pdf');
    expect(head.valid).toBe(false);
    expect(head.facts?.read.sha256).toMatch(/^[0-9a-f]{64}$/);
  });

  it('a path problem is reported like validate reports it', async () => {
    const { head } = await compare('missing.pdf');
    expect(head.valid).toBe(false);
    expect(head.errors).toHaveLength(1);
  });
});

describe('inspectForUpload: when the hash is known anyway', () => {
  let cache: HashCache;
  beforeAll(async () => {
    cache = await openHashCache(path.join(temp.dir, 'state'));
  });
  afterAll(() => cache.close());

  it('a hash-cache hit gives the real hash of a big binary PDF', async () => {
    const { name, sha256 } = await bigFile('cached.pdf', PDF_HEAD);
    const withCache = { ...opts, hashCache: cache };
    const first = await inspectFile(name, withCache);
    expect(first.facts?.read.sha256).toBe(sha256);
    const again = await inspectForUpload(name, withCache);
    expect(again.valid).toBe(true);
    expect(again.facts?.read.sha256).toBe(sha256);
  });

  it('a cache opened on first need (as upload opens it) is opened before it is asked: the hit still gives the hash', async () => {
    const { name, sha256 } = await bigFile('lazy.pdf', PDF_HEAD);
    const file = await prepareHashCacheFile(path.join(temp.dir, 'lazy-state'));
    const wantsBig = (identity: { size: bigint }) => identity.size >= HASH_CACHE_MIN_BYTES;
    const first = lazyHashCache(file, wantsBig, () => undefined);
    expect((await inspectFile(name, { ...opts, hashCache: first })).facts?.read.sha256).toBe(sha256);
    first.close();
    const next = lazyHashCache(file, wantsBig, () => undefined);
    try {
      expect((await inspectForUpload(name, { ...opts, hashCache: next })).facts?.read.sha256).toBe(sha256);
    } finally {
      next.close();
    }
  });

  it('a hash-cache hit opens the file once and asks the cache once, and closes what it opened', async () => {
    const { name, sha256 } = await bigFile('once.pdf', PDF_HEAD);
    await inspectFile(name, { ...opts, hashCache: cache });
    const asked: bigint[] = [];
    const counting: HashCache = { ...cache, get: (identity) => (asked.push(identity.ino), cache.get(identity)), set: (i, e) => cache.set(i, e), close: () => undefined };
    const before = await openFdCount();
    const inspection = await inspectForUpload(name, { ...opts, hashCache: counting });
    expect(inspection.facts?.read.sha256).toBe(sha256);
    expect(asked).toHaveLength(1);
    expect(inspection.opened).toBeUndefined();
    expect(await openFdCount()).toBe(before);
  });

  it('a file swapped after its cache hit was judged is still refused when the upload opens it', async () => {
    const { name, sha256 } = await bigFile('swapped.pdf', PDF_HEAD);
    await inspectFile(name, { ...opts, hashCache: cache });
    const full = path.join(temp.dir, name);
    const other = await bigFile('other.pdf', PDF_HEAD);
    let swapped = false;
    // Swap the path for another file the moment the cache vouches for the first one.
    const swapping: HashCache = {
      ...cache,
      get: (identity) => {
        const entry = cache.get(identity);
        if (!swapped) renameSync(path.join(temp.dir, other.name), full);
        swapped = true;
        return entry;
      },
      set: (i, e) => cache.set(i, e),
      close: () => undefined,
    };
    const inspection = await inspectForUpload(name, { ...opts, hashCache: swapping });
    // What was judged is one file: the identity and the hash belong together (the first file).
    expect(inspection.facts?.read.sha256).toBe(sha256);
    expect(inspection.identity?.ino).not.toBe(statSync(full, { bigint: true }).ino);
    const file = { displayPath: name, facts: inspection.facts!, identity: inspection.identity!, sha256 };
    await expect(createUploadBody(file, opts.policy).open()).rejects.toMatchObject({ name: 'FILE_CHANGED' });
  });

  it('a binary file just under the threshold is read whole and hashed', async () => {
    const { name, sha256 } = await bigFile('small.pdf', PDF_HEAD, HASH_WHILE_UPLOADING_MIN_BYTES - 1);
    const inspection = await inspectForUpload(name, opts);
    expect(inspection.valid).toBe(true);
    expect(inspection.facts?.read.sha256).toBe(sha256);
  });

  it('a small PNG has its hash', async () => {
    const { name, sha256 } = await bigFile('tiny.png', PNG_HEAD, 200_000);
    const inspection = await inspectForUpload(name, opts);
    expect(inspection.facts?.read.sha256).toBe(sha256);
  });

  it('a binary PDF of exactly the threshold is checked from its head', async () => {
    const { name } = await bigFile('edge.pdf', PDF_HEAD, HASH_WHILE_UPLOADING_MIN_BYTES);
    const { head } = await compare(name);
    expect(head.valid).toBe(true);
    expect(head.facts?.read.sha256).toBeUndefined();
  });
});
