import { createHash } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HASH_CACHE_FILE, openHashCache, type HashCache } from '../../../../src/core/files/hash-cache.js';
import { safeOpen } from '../../../../src/core/files/safe-open.js';
import type { FileIdentity, PathPolicy } from '../../../../src/core/files/types.js';
import {
  DEFAULT_ALLOWED_MIME_TYPES,
  DEFAULT_BLOCKED_EXTENSIONS,
  inspectFile,
  type RuleConfig,
} from '../../../../src/core/validate/index.js';
import { makeTempDir, writeFixture } from '../../../fixtures/files.js';

let dir: string;
let stateDir: string;
let cache: HashCache;
let policy: PathPolicy;
const rules: RuleConfig = {
  maxFileSize: 1024 * 1024,
  allowedMimeTypes: DEFAULT_ALLOWED_MIME_TYPES,
  blockedExtensions: DEFAULT_BLOCKED_EXTENSIONS,
  allowActiveContent: false,
};
const FAKE_SHA = 'f'.repeat(64);
const sha256 = (data: string): string => createHash('sha256').update(data).digest('hex');

beforeAll(async () => {
  dir = await makeTempDir('exai-hash-cache-');
  stateDir = path.join(dir, 'state', 'exai');
  policy = { roots: [path.join(dir, 'files')], allowExternal: false, allowHardlinks: false, cwd: path.join(dir, 'files') };
  await fs.mkdir(path.join(dir, 'files'));
  cache = await openHashCache(stateDir);
});

afterAll(async () => {
  cache.close();
  await fs.rm(dir, { recursive: true, force: true });
});

async function identityOf(name: string): Promise<FileIdentity> {
  const opened = await safeOpen(name, policy);
  await opened.handle.close();
  return opened.identity;
}

// Plant an entry no read could produce: if inspectFile returns it, the read pass was skipped.
async function plantFakeEntry(name: string): Promise<void> {
  const entry = { sha256: FAKE_SHA, sniffedMime: undefined, sniffedExt: undefined, executable: undefined };
  cache.set(await identityOf(name), { ...entry, validUtf8: true, hasNul: false, markup: undefined, headIsWholeFile: true });
}

describe('hash cache', () => {
  it('is created 0600 inside a 0700 directory', async () => {
    expect((await fs.stat(stateDir)).mode & 0o777).toBe(0o700);
    expect((await fs.stat(path.join(stateDir, HASH_CACHE_FILE))).mode & 0o777).toBe(0o600);
  });

  it('stores content facts on a miss and serves an unchanged file without reading it', async () => {
    await writeFixture(policy.cwd, 'a.md', '# original\n');
    const first = await inspectFile('a.md', { policy, rules, hashCache: cache });
    expect(first.facts?.read.sha256).toBe(sha256('# original\n'));
    expect(cache.get(await identityOf('a.md'))?.sha256).toBe(sha256('# original\n'));

    await plantFakeEntry('a.md');
    const second = await inspectFile('a.md', { policy, rules, hashCache: cache });
    expect(second.facts?.read.sha256).toBe(FAKE_SHA);
    expect(second.facts?.mimeType).toBe('text/markdown');
  });

  it('misses when the content is replaced with the same size and the old mtime put back (ctime is in the key)', async () => {
    const file = await writeFixture(policy.cwd, 'b.md', '# version 1\n');
    const stamp = 1_700_000_000; // whole seconds, so utimes can restore mtime to the nanosecond
    await fs.utimes(file, stamp, stamp);
    const before = await fs.stat(file, { bigint: true });
    await plantFakeEntry('b.md');
    await new Promise((resolve) => setTimeout(resolve, 20)); // let the clock move past the old ctime
    await fs.writeFile(file, '# version 2\n');
    await fs.utimes(file, stamp, stamp);
    const after = await fs.stat(file, { bigint: true });
    expect([after.size, after.mtimeNs, after.ino]).toEqual([before.size, before.mtimeNs, before.ino]);
    expect(after.ctimeNs).not.toBe(before.ctimeNs);

    const result = await inspectFile('b.md', { policy, rules, hashCache: cache });
    expect(result.facts?.read.sha256).toBe(sha256('# version 2\n'));
  });

  it('still applies path checks and size limits on a hit', async () => {
    await writeFixture(policy.cwd, 'c.md', '# c\n');
    await plantFakeEntry('c.md');
    const tooSmall = await inspectFile('c.md', { policy, rules: { ...rules, maxFileSize: 2 }, hashCache: cache });
    expect(tooSmall.errors.map((e) => e.name)).toEqual(['FILE_TOO_LARGE']);

    await fs.symlink('c.md', path.join(policy.cwd, 'c-link.md'));
    const linked = await inspectFile('c-link.md', { policy, rules, hashCache: cache });
    expect(linked.errors.map((e) => e.name)).toEqual(['SYMLINK_REJECTED']);
  });

  it('misses on an entry from before containers were read by directory, and keeps container facts', async () => {
    await writeFixture(policy.cwd, 'old.docx', Buffer.from('PK\x05\x06' + '\0'.repeat(18), 'latin1'));
    const identity = await identityOf('old.docx');
    const Database = (await import('better-sqlite3')).default;
    const db = new Database(path.join(stateDir, HASH_CACHE_FILE));
    const old = { sha256: FAKE_SHA, sniffedExt: 'zip', sniffedMime: 'application/zip', validUtf8: false, hasNul: true, headIsWholeFile: false };
    db.prepare('INSERT OR REPLACE INTO hash_cache VALUES (?, ?, ?, ?, ?, ?, ?)').run(...[identity.dev, identity.ino, identity.size, identity.mtimeNs, identity.ctimeNs].map(String), JSON.stringify(old), Date.now());
    db.close();
    expect(cache.get(identity)).toBeUndefined();
    const container = { kind: 'zip' as const, format: 'docx', mime: 'x', macros: true, unsafeNames: [], declaredBytes: 1, storedBytes: 1, tooManyEntries: false };
    cache.set(identity, { ...old, executable: undefined, markup: undefined, container });
    expect(cache.get(identity)?.container).toEqual(container);
  });

  it('misses on a version 2 entry (no ranges to re-check), and keeps the ranges a new one holds', async () => {
    await writeFixture(policy.cwd, 'v2.docx', Buffer.from('PK\x05\x06' + '\0'.repeat(18), 'latin1'));
    const identity = await identityOf('v2.docx');
    // What an older exai remembered after sending a directory it never re-checked.
    const container = { kind: 'zip' as const, format: 'docx', mime: 'x', macros: false, unsafeNames: [], declaredBytes: 1, storedBytes: 1, tooManyEntries: false };
    const v2 = { sha256: FAKE_SHA, sniffedExt: 'docx', sniffedMime: 'x', validUtf8: false, hasNul: true, headIsWholeFile: false, container, v: 2 };
    const Database = (await import('better-sqlite3')).default;
    const db = new Database(path.join(stateDir, HASH_CACHE_FILE));
    db.prepare('INSERT OR REPLACE INTO hash_cache VALUES (?, ?, ?, ?, ?, ?, ?)').run(...[identity.dev, identity.ino, identity.size, identity.mtimeNs, identity.ctimeNs].map(String), JSON.stringify(v2), Date.now());
    db.close();
    expect(cache.get(identity)).toBeUndefined();
    const regions = { spans: [0, 22], sha256: FAKE_SHA };
    cache.set(identity, { ...v2, executable: undefined, markup: undefined, regions });
    expect(cache.get(identity)?.regions).toEqual(regions);
    cache.set(identity, { ...v2, executable: undefined, markup: undefined, regions: { spans: [0, -1], sha256: FAKE_SHA } });
    expect(cache.get(identity)).toBeUndefined();
  });

  it('misses on a version 3 entry that took a frame sync for MP3, and keeps a text encoding', async () => {
    // A PhotoCD image starts with 2 KiB of 0xFF: an older exai remembered it as audio.
    await writeFixture(policy.cwd, 'photo.pcd', Buffer.alloc(4096, 0xff));
    const identity = await identityOf('photo.pcd');
    const v3 = { sha256: FAKE_SHA, sniffedExt: 'mp3', sniffedMime: 'audio/mpeg', validUtf8: false, hasNul: false, headIsWholeFile: true, v: 3 };
    const Database = (await import('better-sqlite3')).default;
    const db = new Database(path.join(stateDir, HASH_CACHE_FILE));
    db.prepare('INSERT OR REPLACE INTO hash_cache VALUES (?, ?, ?, ?, ?, ?, ?)').run(...[identity.dev, identity.ino, identity.size, identity.mtimeNs, identity.ctimeNs].map(String), JSON.stringify(v3), Date.now());
    db.close();
    expect(cache.get(identity)).toBeUndefined();
    const result = await inspectFile('photo.pcd', { policy, rules, hashCache: cache });
    expect(result.facts?.mimeType).toBeUndefined();
    cache.set(identity, { ...v3, sniffedExt: undefined, sniffedMime: undefined, executable: undefined, markup: undefined, textEncoding: 'legacy-8bit' });
    expect(cache.get(identity)?.textEncoding).toBe('legacy-8bit');
  });

  it('persists across reopening', async () => {
    await writeFixture(policy.cwd, 'd.txt', 'persist\n');
    await inspectFile('d.txt', { policy, rules, hashCache: cache });
    const again = await openHashCache(stateDir);
    try {
      expect(again.get(await identityOf('d.txt'))?.sha256).toBe(sha256('persist\n'));
    } finally {
      again.close();
    }
  });
});
