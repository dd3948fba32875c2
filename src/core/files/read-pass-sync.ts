/**
 * readPass for a small file opened by openSmallSync: the same pass (pass-state.ts), read with
 * synchronous preads into a pooled buffer that then holds the whole file. A file that fits is
 * usually one read(2): asking for one byte more than fstat's size and getting exactly that
 * size is the end of the file, and the fstat after the pass proves the size still holds.
 *
 * The buffer stays the caller's until `release`: the head is a view of it (no copy), and a
 * container's directory is read from it too — those are then the very bytes that were hashed,
 * so they need no pread, no region record and no later re-check.
 */
import fs from 'node:fs';
import { ExaiError } from '../errors.js';
import { checkUnchangedStat } from './open-checks.js';
import { createPassState } from './pass-state.js';
import type { OpenedFd } from './safe-open-sync.js';
import type { ReadPassResult } from './types.js';

/** Buffer for the synchronous pass; files up to this size take a single read. */
export const SYNC_BUFFER_BYTES = 1024 * 1024;

/** One synchronous pass whose bytes are held in a pooled buffer until released. */
export interface HeldPass {
  /** The pass's result; `head` is a view of the held buffer. */
  readonly read: ReadPassResult;
  /** Every byte of the file, in the held buffer; undefined when the size cap cut the pass short. */
  readonly body: Buffer | undefined;
  /** Give the buffer back; `read.head` and `body` must not be used afterwards. */
  release(): void;
}

// One buffer per pass in flight (a batch runs a few at once, each holding its file while it
// is sniffed); the ones given back are kept, so a run of thousands of files allocates a few.
const POOL_LIMIT = 8;
const pool: Buffer[] = [];

/**
 * Read `file` (at most SYNC_BUFFER_BYTES by its fstat size) once, synchronously; same result
 * and FILE_CHANGED checks as readPass.
 */
export function readPassSync(file: OpenedFd, opts: { maxBytes: number; hash: boolean }): HeldPass {
  if (file.identity.size > BigInt(SYNC_BUFFER_BYTES)) throw new Error(`readPassSync: ${file.identity.size} bytes do not fit the ${SYNC_BUFFER_BYTES}-byte buffer (use readPass)`);
  const buf = pool.pop() ?? Buffer.allocUnsafe(SYNC_BUFFER_BYTES + 1);
  let released = false;
  const release = (): void => {
    if (released) return;
    released = true;
    if (pool.length < POOL_LIMIT) pool.push(buf);
  };
  try {
    const total = fillFrom(file, buf, opts.maxBytes);
    const truncated = total > opts.maxBytes;
    if (!truncated) checkUnchangedStat(fs.fstatSync(file.fd, { bigint: true }), file.identity, total, file.displayPath);
    const body = buf.subarray(0, total);
    // The whole file is one chunk now: hashed in one call, UTF-8 checked by isUtf8 alone.
    const pass = createPassState(opts.hash, buf);
    pass.push(body, !truncated);
    return { read: pass.finish(truncated), body: truncated ? undefined : body, release };
  } catch (error) {
    release();
    throw error;
  }
}

// Bytes read into `buf` from offset 0: up to one past the cap (to know it was passed), or one
// past fstat's size (to know the file grew after it was opened, without reading on to its end).
function fillFrom(file: OpenedFd, buf: Buffer, maxBytes: number): number {
  const size = Number(file.identity.size);
  const limit = Math.min(maxBytes, size) + 1;
  let total = 0;
  for (;;) {
    const want = limit - total;
    if (want <= 0) break;
    const bytesRead = fs.readSync(file.fd, buf, total, want, total);
    if (bytesRead === 0) break;
    total += bytesRead;
    // A short read that reaches the size is the end of a regular file: skip the read that
    // would return 0 (the fstat after the pass still proves the size held).
    if (bytesRead < want && total === size) break;
  }
  if (total > size && total <= maxBytes) throw grew(file, total);
  return total;
}

function grew(file: OpenedFd, bytesRead: number): ExaiError {
  return new ExaiError('FILE_CHANGED', `${JSON.stringify(file.displayPath)} changed while being read (${bytesRead} bytes read, more than the ${file.identity.size} it had when opened).`, {
    path: file.displayPath,
    hint: 'run again once nothing is writing to the file',
  });
}
