/**
 * Bounded random access to a file that is already open and verified: the zip and compound
 * file directories sit at the end or anywhere in a file, and some signatures lie past the
 * 64 KiB head. Reads go through the same handle (or fd) the read pass used, never a path,
 * and every source has a byte budget so a crafted directory can't make us read a whole file.
 */
import fs from 'node:fs';
import type { FileHandle } from 'node:fs/promises';

/** Random reads over one open file, capped at a total number of bytes. */
export interface RandomSource {
  /** The file's size as the read pass counted it. */
  readonly size: number;
  /** Up to `length` bytes at `position` (fewer at the end of the file); throws past the budget. */
  read(position: number, length: number): Promise<Buffer>;
}

/** Bytes one file's structure checks may read at most (directories are a few KiB normally). */
export const RANDOM_READ_BUDGET = 16 * 1024 * 1024;

/** Thrown when a structure asks for more than the budget: the caller reports it, never reads on. */
export class ReadBudgetExceeded extends Error {
  constructor() {
    super('the file structure asks for more reads than allowed');
  }
}

type ReadAt = (buf: Buffer, position: number) => Promise<number>;

function budgeted(size: number, readAt: ReadAt, budget: number): RandomSource {
  let spent = 0;
  return {
    size,
    async read(position, length) {
      const want = Math.max(0, Math.min(length, size - position));
      if (position < 0 || want === 0) return Buffer.alloc(0);
      spent += want;
      if (spent > budget) throw new ReadBudgetExceeded();
      const buf = Buffer.allocUnsafe(want);
      const got = await readAt(buf, position);
      return buf.subarray(0, got);
    },
  };
}

/** A source over an open FileHandle (the async path). */
export function sourceFromHandle(handle: FileHandle, size: number, budget = RANDOM_READ_BUDGET): RandomSource {
  return budgeted(size, async (buf, position) => (await handle.read(buf, 0, buf.length, position)).bytesRead, budget);
}

/** A source over an open fd (the small-file path): synchronous preads, the fd stays the caller's. */
export function sourceFromFd(fd: number, size: number, budget = RANDOM_READ_BUDGET): RandomSource {
  return budgeted(size, (buf, position) => Promise.resolve(fs.readSync(fd, buf, 0, buf.length, position)), budget);
}

/**
 * A source over bytes already in memory (a head that holds the whole file, or a small file's
 * whole pass): reads are views, not copies — the zip tail read alone would otherwise copy
 * every small document once more. The budget holds as for a file, so a structure judged from
 * memory gets the same verdict as one read from disk.
 */
export function sourceFromBuffer(bytes: Buffer, budget = RANDOM_READ_BUDGET): RandomSource {
  let spent = 0;
  return {
    size: bytes.length,
    read(position, length) {
      if (position < 0 || length <= 0) return Promise.resolve(Buffer.alloc(0));
      const view = bytes.subarray(position, position + length);
      spent += view.length;
      return spent > budget ? Promise.reject(new ReadBudgetExceeded()) : Promise.resolve(view);
    },
  };
}
