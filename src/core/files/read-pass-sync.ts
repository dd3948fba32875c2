/**
 * readPass for a small file opened by openSmallSync: the same pass (pass-state.ts), read
 * with synchronous preads into one reused buffer. A file that fits is usually one read(2):
 * asking for one byte more than fstat's size and getting exactly that size is the end of
 * the file, and the fstat after the pass proves the size still holds.
 */
import fs from 'node:fs';
import { ExaiError } from '../errors.js';
import { checkUnchangedStat } from './open-checks.js';
import { createPassState } from './pass-state.js';
import type { OpenedFd } from './safe-open-sync.js';
import type { ReadPassResult } from './types.js';

/** Buffer for the synchronous pass; files up to this size take a single read. */
export const SYNC_BUFFER_BYTES = 1024 * 1024;

// One buffer for the whole process: a synchronous pass can't interleave with another one.
let sharedBuffer: Buffer | undefined;

/** Read `file` once, synchronously; same result and FILE_CHANGED checks as readPass. */
export function readPassSync(file: OpenedFd, opts: { maxBytes: number; hash: boolean }): ReadPassResult {
  sharedBuffer ??= Buffer.allocUnsafe(SYNC_BUFFER_BYTES + 1);
  const buf = sharedBuffer;
  const pass = createPassState(opts.hash);
  const size = Number(file.identity.size);
  // One byte past the cap tells the cap was passed; one byte past fstat's size tells the
  // file grew after it was opened (no need to read on to the new end to know that).
  const limit = Math.min(opts.maxBytes, size) + 1;
  for (;;) {
    const want = Math.min(buf.length, limit - pass.total);
    if (want <= 0) break;
    const bytesRead = fs.readSync(file.fd, buf, 0, want, pass.total);
    if (bytesRead === 0) break;
    // A short read that reaches the size is the end of a regular file: skip the read that
    // would return 0 (the fstat below still proves the size held).
    const atEnd = bytesRead < want && pass.total + bytesRead === size;
    pass.push(buf.subarray(0, bytesRead), atEnd);
    if (atEnd) break;
  }
  const truncated = pass.total > opts.maxBytes;
  if (!truncated) {
    if (pass.total > size) throw grew(file, pass.total);
    checkUnchangedStat(fs.fstatSync(file.fd, { bigint: true }), file.identity, pass.total, file.displayPath);
  }
  return pass.finish(truncated);
}

function grew(file: OpenedFd, bytesRead: number): ExaiError {
  return new ExaiError('FILE_CHANGED', `${JSON.stringify(file.displayPath)} changed while being read (${bytesRead} bytes read, more than the ${file.identity.size} it had when opened).`, {
    path: file.displayPath,
    hint: 'run again once nothing is writing to the file',
  });
}
