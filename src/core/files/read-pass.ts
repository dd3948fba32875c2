/**
 * One sequential pass over an opened file: count bytes, SHA-256, keep the head for
 * sniffing, check UTF-8 and NUL — all from the same bytes, through the verified handle.
 */
import { checkUnchangedStat } from './open-checks.js';
import { createPassState } from './pass-state.js';
import type { OpenedFile, ReadPassResult } from './types.js';

export { HEAD_BYTES } from './pass-state.js';

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
  const pass = createPassState(opts.hash);
  const limit = opts.maxBytes + 1; // read one byte past the cap to know it was passed
  for (;;) {
    const want = Math.min(buf.length, limit - pass.total);
    if (want <= 0) break;
    const { bytesRead } = await file.handle.read(buf, 0, want, pass.total);
    if (bytesRead === 0) break;
    pass.push(buf.subarray(0, bytesRead));
    await opts.onChunk?.(pass.total);
  }
  const truncated = pass.total > opts.maxBytes;
  if (!truncated) checkUnchangedStat(await file.handle.stat({ bigint: true }), file.identity, pass.total, file.displayPath);
  return pass.finish(truncated);
}
