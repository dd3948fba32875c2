import fs from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { ExaiError } from '../../../../src/core/errors.js';
import { readPass } from '../../../../src/core/files/read-pass.js';
import { SYNC_BUFFER_BYTES, readPassSync } from '../../../../src/core/files/read-pass-sync.js';
import { safeOpen } from '../../../../src/core/files/safe-open.js';
import { closeSmallFile, openSmallSync, type OpenedFd } from '../../../../src/core/files/safe-open-sync.js';
import type { ReadPassResult } from '../../../../src/core/files/types.js';
import { useFixtureDir, pdfBytes, pngBytes, writeFixture } from '../../../fixtures/files.js';

const fx = useFixtureDir();

function openSync(name: string): OpenedFd {
  const opened = openSmallSync(name, fx.policy, Number.MAX_SAFE_INTEGER);
  if (opened === undefined) throw new Error(`${name} was not opened`);
  return opened;
}

function syncPass(name: string, maxBytes: number): ReadPassResult {
  const opened = openSync(name);
  try {
    const held = readPassSync(opened, { maxBytes, hash: true });
    // The head is a view of the pooled buffer: copy it before the buffer goes back.
    const read = { ...held.read, head: Buffer.from(held.read.head) };
    held.release();
    return read;
  } finally {
    closeSmallFile(opened);
  }
}

async function asyncPass(name: string, maxBytes: number): Promise<ReadPassResult> {
  const opened = await safeOpen(name, fx.policy);
  try {
    return await readPass(opened, { maxBytes, hash: true });
  } finally {
    await opened.handle.close();
  }
}

async function changedError(name: string, change: (file: string) => Promise<void>): Promise<unknown> {
  const file = await writeFixture(fx.dir, name, 'original content\n');
  const opened = openSync(name);
  try {
    await change(file);
    return (() => {
      try {
        return readPassSync(opened, { maxBytes: 1 << 20, hash: true }).release();
      } catch (error) {
        return error;
      }
    })();
  } finally {
    closeSmallFile(opened);
  }
}

const CASES: [string, string | Buffer][] = [
  ['empty.txt', ''],
  ['one.txt', 'x'],
  ['text.md', '# ünïcödé €😀\n'.repeat(50)],
  ['doc.pdf', pdfBytes()],
  ['pic.png', pngBytes()],
  ['exact.bin', Buffer.alloc(SYNC_BUFFER_BYTES, 0x61)],
  ['past-head.txt', 'aé€😀'.repeat(Math.ceil((900 * 1024) / 10))],
];

describe('readPassSync', () => {
  it.each(CASES)('learns exactly what readPass learns from %s', async (name, content) => {
    await writeFixture(fx.dir, name, content);
    expect(syncPass(name, 1 << 30)).toEqual(await asyncPass(name, 1 << 30));
  });

  it('stops past the size cap without a hash, like readPass', async () => {
    await writeFixture(fx.dir, 'capped.txt', 'x'.repeat(5000));
    const result = syncPass('capped.txt', 1000);
    expect(result).toMatchObject({ truncated: true, sha256: undefined, bytesRead: 1001 });
    expect(result).toEqual(await asyncPass('capped.txt', 1000));
  });

  it('throws FILE_CHANGED when the file grew after it was opened', async () => {
    const error = await changedError('grown.log', (file) => fs.appendFile(file, 'appended\n'));
    expect(error).toBeInstanceOf(ExaiError);
    expect((error as ExaiError).name).toBe('FILE_CHANGED');
    expect((error as ExaiError).path).toBe('grown.log');
  });

  it('throws FILE_CHANGED when the file shrank after it was opened', async () => {
    const error = await changedError('shrunk.log', (file) => fs.truncate(file, 3));
    expect((error as ExaiError).name).toBe('FILE_CHANGED');
  });

  it('throws FILE_CHANGED when bytes are rewritten in place with the old mtime put back', async () => {
    const error = await changedError('forged.txt', async (file) => {
      const before = await fs.stat(file);
      await fs.writeFile(file, 'FORGED!! content\n'); // same length: only ctime tells
      await fs.utimes(file, before.atime, before.mtime);
    });
    expect((error as ExaiError).name).toBe('FILE_CHANGED');
  });

  it('holds the whole file in its buffer until released, the head a view of it', async () => {
    const content = Buffer.concat([pdfBytes(), Buffer.alloc(200_000, 0x20)]);
    await writeFixture(fx.dir, 'held.pdf', content);
    const opened = openSync('held.pdf');
    try {
      const held = readPassSync(opened, { maxBytes: 1 << 30, hash: true });
      expect(held.body?.equals(content)).toBe(true);
      expect(held.read.head.equals(content.subarray(0, held.read.head.length))).toBe(true);
      held.release();
    } finally {
      closeSmallFile(opened);
    }
  });

  it('keeps no body past the size cap (nothing beyond it may be judged)', async () => {
    await writeFixture(fx.dir, 'capped.bin', Buffer.alloc(5000, 1));
    const opened = openSync('capped.bin');
    try {
      const held = readPassSync(opened, { maxBytes: 1000, hash: true });
      expect(held.body).toBeUndefined();
      held.release();
    } finally {
      closeSmallFile(opened);
    }
  });

  it('refuses a file larger than its buffer (the async pass reads those)', async () => {
    await writeFixture(fx.dir, 'over.bin', Buffer.alloc(SYNC_BUFFER_BYTES + 1, 0x62));
    const opened = openSync('over.bin');
    try {
      expect(() => readPassSync(opened, { maxBytes: 1 << 30, hash: true })).toThrow(/use readPass/);
    } finally {
      closeSmallFile(opened);
    }
  });

  it('leaves no trace of one file in the next pass (the buffers are pooled)', async () => {
    await writeFixture(fx.dir, 'first.bin', Buffer.alloc(100_000, 0xab));
    syncPass('first.bin', 1 << 30);
    await writeFixture(fx.dir, 'second.txt', 'short');
    const second = syncPass('second.txt', 1 << 30);
    expect(second.head.toString()).toBe('short');
    expect(second.bytesRead).toBe(5);
  });
});

describe('openSmallSync', () => {
  it('declines a regular file above the limit without opening it, so safeOpen can stream it', async () => {
    await writeFixture(fx.dir, 'large.txt', 'y'.repeat(2048));
    expect(openSmallSync('large.txt', fx.policy, 1024)).toBeUndefined();
    const small = openSmallSync('large.txt', fx.policy, 2048);
    expect(small?.identity.size).toBe(2048n);
    if (small) closeSmallFile(small);
  });
});
