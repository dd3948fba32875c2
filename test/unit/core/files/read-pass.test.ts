import { createHash } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ExaiError } from '../../../../src/core/errors.js';
import { HEAD_BYTES, readPass } from '../../../../src/core/files/read-pass.js';
import { safeOpen } from '../../../../src/core/files/safe-open.js';
import type { OpenedFile, ReadPassResult } from '../../../../src/core/files/types.js';
import { useFixtureDir, pngBytes, writeFixture } from '../../../fixtures/files.js';

const fx = useFixtureDir();

async function passOver(name: string, content: string | Buffer, maxBytes = 1 << 30): Promise<ReadPassResult> {
  await writeFixture(fx.dir, name, content);
  const opened = await safeOpen(name, fx.policy);
  try {
    return await readPass(opened, { maxBytes, hash: true });
  } finally {
    await opened.handle.close();
  }
}

const sha256 = (data: string | Buffer): string => createHash('sha256').update(data).digest('hex');

describe('readPass', () => {
  it('hashes, counts and keeps the head of a multi-chunk file in one pass', async () => {
    // 2.5 MiB of text whose 3-byte characters straddle the 1 MiB chunk boundaries.
    const text = 'aé€😀'.repeat(Math.ceil((2.5 * 1024 * 1024) / 10));
    const result = await passOver('big.txt', text);
    expect(result.bytesRead).toBe(Buffer.byteLength(text));
    expect(result.sha256).toBe(sha256(text));
    expect(result.head.length).toBe(HEAD_BYTES);
    expect(result.head.equals(Buffer.from(text).subarray(0, HEAD_BYTES))).toBe(true);
    expect(result).toMatchObject({ truncated: false, validUtf8: true, hasNul: false });
  });

  it('stops past the size cap without a hash', async () => {
    const result = await passOver('capped.txt', 'x'.repeat(5000), 1000);
    expect(result).toMatchObject({ truncated: true, sha256: undefined, bytesRead: 1001 });
  });

  it('flags NUL bytes and invalid UTF-8', async () => {
    expect(await passOver('nul.txt', 'abc\0def')).toMatchObject({ hasNul: true, validUtf8: false });
    expect(await passOver('latin1.txt', Buffer.from([0x63, 0x61, 0x66, 0xe9, 0x0a]))).toMatchObject({ hasNul: false, validUtf8: false });
    // A multi-byte character cut off at the end of the file is not valid either.
    expect(await passOver('cut.txt', Buffer.from([0x61, 0xe2, 0x82]))).toMatchObject({ validUtf8: false });
  });

  it('hashes binary files the same way', async () => {
    const png = pngBytes();
    const result = await passOver('tiny.png', png);
    expect(result.sha256).toBe(sha256(png));
    expect(result.head.equals(png)).toBe(true);
    expect(result.validUtf8).toBe(false);
  });

  it('handles an empty file', async () => {
    const result = await passOver('empty.txt', '');
    expect(result).toMatchObject({ bytesRead: 0, sha256: sha256(''), validUtf8: true, hasNul: false });
    expect(result.head.length).toBe(0);
  });

  it('throws FILE_CHANGED when the file grows while being read', async () => {
    const file = await writeFixture(fx.dir, 'growing.log', 'y'.repeat(3 * 1024 * 1024));
    const opened = await safeOpen('growing.log', fx.policy);
    try {
      const pass = readPass(opened, {
        maxBytes: 1 << 30,
        hash: true,
        onChunk: async (bytesRead) => {
          if (bytesRead === 1024 * 1024) await fs.appendFile(file, 'appended while reading\n');
        },
      });
      const error = await pass.catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ExaiError);
      expect((error as ExaiError).name).toBe('FILE_CHANGED');
      expect((error as ExaiError).message).toContain('changed while being read');
      expect((error as ExaiError).path).toBe('growing.log');
    } finally {
      await opened.handle.close();
    }
  });

  it('throws FILE_CHANGED when bytes are rewritten in place with the old mtime put back', async () => {
    const file = await writeFixture(fx.dir, 'forged.txt', 'original content\n');
    const before = await fs.stat(file);
    const opened = await safeOpen('forged.txt', fx.policy);
    try {
      const error = await readPass(opened, {
        maxBytes: 1 << 30,
        hash: true,
        onChunk: async () => {
          await fs.writeFile(file, 'FORGED! content\n\n');
          await fs.utimes(file, before.atime, before.mtime);
        },
      }).catch((e: unknown) => e);
      expect((error as ExaiError).name).toBe('FILE_CHANGED');
    } finally {
      await opened.handle.close();
    }
  });

  it('counts bytes actually read rather than trusting the stat size (/proc says 0)', async () => {
    const handle = await fs.open('/proc/self/environ', 'r');
    const st = await handle.stat({ bigint: true });
    const opened: OpenedFile = {
      displayPath: '/proc/self/environ',
      realPath: '/proc/self/environ',
      handle,
      identity: { dev: st.dev, ino: st.ino, size: st.size, mtimeNs: st.mtimeNs, ctimeNs: st.ctimeNs, nlink: st.nlink },
    };
    try {
      expect(st.size).toBe(0n);
      const capped = await readPass(opened, { maxBytes: 4, hash: true });
      expect(capped).toMatchObject({ truncated: true, bytesRead: 5 });
      const error = await readPass(opened, { maxBytes: 1 << 20, hash: true }).catch((e: unknown) => e);
      expect((error as ExaiError).name).toBe('FILE_CHANGED');
    } finally {
      await handle.close();
    }
  });

  it('leaves no trace of one file in the next pass (buffers are reused)', async () => {
    await passOver('first.bin', Buffer.alloc(100_000, 0xab));
    const second = await passOver('second.txt', 'short');
    expect(second.head.toString()).toBe('short');
    expect(second.sha256).toBe(sha256('short'));
  });
});

describe('readPass on a real file path', () => {
  it('reads through the verified handle, not by path', async () => {
    await writeFixture(fx.dir, 'sub/swap.txt', 'before\n');
    const opened = await safeOpen('sub/swap.txt', fx.policy);
    try {
      // Move the directory away and put a different file at the same name.
      await fs.rename(path.join(fx.dir, 'sub'), path.join(fx.dir, 'sub-old'));
      await writeFixture(fx.dir, 'sub/swap.txt', 'after!!\n');
      const result = await readPass(opened, { maxBytes: 1 << 20, hash: true });
      expect(result.head.toString()).toBe('before\n');
    } finally {
      await opened.handle.close();
    }
  });
});
