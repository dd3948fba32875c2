/**
 * One sequential pass over an opened file: count bytes, SHA-256, keep the head for
 * sniffing, check UTF-8 and NUL — all from the same bytes, through the verified handle.
 */
import { createHash, type Hash } from 'node:crypto';
import { ExaiError } from '../errors.js';
import { createUtf8Checker } from './utf8-check.js';
import type { OpenedFile, ReadPassResult } from './types.js';

/** Bytes kept for magic-number sniffing. */
export const HEAD_BYTES = 64 * 1024;
const CHUNK_BYTES = 1024 * 1024;
const POOL_LIMIT = 8;

// Chunk buffers are reused across passes so that validating thousands of files allocates
// a handful of MiB, not one per file. A buffer is owned by one pass at a time.
const bufferPool: Buffer[] = [];

export interface ReadPassOptions {
  /** Stop once more than this many bytes were read (the result is then `truncated`). */
  maxBytes: number;
  /** Compute SHA-256 (skip when only the sniff is wanted). */
  hash: boolean;
  /** Called after each chunk with the bytes read so far (tests use it to change the file mid-read). */
  onChunk?: (bytesRead: number) => void | Promise<void>;
}

/** Read `file` once from the start and return what the bytes say; throws FILE_CHANGED if the file moved under us. */
export async function readPass(file: OpenedFile, opts: ReadPassOptions): Promise<ReadPassResult> {
  const buf = bufferPool.pop() ?? Buffer.allocUnsafe(CHUNK_BYTES);
  try {
    return await readAll(file, opts, buf);
  } finally {
    if (bufferPool.length < POOL_LIMIT) bufferPool.push(buf);
  }
}

async function readAll(file: OpenedFile, opts: ReadPassOptions, buf: Buffer): Promise<ReadPassResult> {
  const hash: Hash | undefined = opts.hash ? createHash('sha256') : undefined;
  const utf8 = createUtf8Checker();
  const head = Buffer.allocUnsafe(HEAD_BYTES);
  let headLen = 0;
  let total = 0;
  let textCandidate = true;
  let hasNul = false;
  const limit = opts.maxBytes + 1; // read one byte past the cap to know it was passed
  for (;;) {
    const want = Math.min(buf.length, limit - total);
    if (want <= 0) break;
    const { bytesRead } = await file.handle.read(buf, 0, want, total);
    if (bytesRead === 0) break;
    const chunk = buf.subarray(0, bytesRead);
    hash?.update(chunk);
    if (headLen < HEAD_BYTES) headLen += chunk.copy(head, headLen, 0, Math.min(bytesRead, HEAD_BYTES - headLen));
    // Text checks stop at the first NUL or bad sequence: from then on binary pays only for hashing.
    if (textCandidate && chunk.indexOf(0) !== -1) {
      hasNul = true;
      textCandidate = false;
    }
    if (textCandidate) textCandidate = utf8.push(chunk);
    total += bytesRead;
    await opts.onChunk?.(total);
  }
  const truncated = total > opts.maxBytes;
  if (!truncated) {
    if (textCandidate) textCandidate = utf8.end();
    await checkUnchanged(file, total);
  }
  return {
    bytesRead: total,
    sha256: hash !== undefined && !truncated ? hash.digest('hex') : undefined,
    head: Buffer.from(head.subarray(0, headLen)),
    truncated,
    validUtf8: textCandidate,
    hasNul,
  };
}

async function checkUnchanged(file: OpenedFile, bytesRead: number): Promise<void> {
  const before = file.identity;
  const after = await file.handle.stat({ bigint: true });
  const changed =
    after.size !== before.size ||
    after.mtimeNs !== before.mtimeNs ||
    after.ctimeNs !== before.ctimeNs ||
    BigInt(bytesRead) !== after.size;
  if (!changed) return;
  throw new ExaiError('FILE_CHANGED', `${JSON.stringify(file.displayPath)} changed while being read (${bytesRead} bytes read, size now ${after.size}).`, {
    path: file.displayPath,
    hint: 'run again once nothing is writing to the file',
  });
}
