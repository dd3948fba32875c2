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
  const buffers: [Buffer, Buffer] = [takeBuffer(), takeBuffer()];
  try {
    return await readAll(file, opts, buffers);
  } finally {
    for (const buf of buffers) if (bufferPool.length < POOL_LIMIT) bufferPool.push(buf);
  }
}

function takeBuffer(): Buffer {
  return bufferPool.pop() ?? Buffer.allocUnsafe(CHUNK_BYTES);
}

/**
 * One chunk ahead: while a chunk is hashed and checked, the next is read into the other
 * buffer (the read runs on libuv's thread pool, the hash on this thread). A 256 MiB file
 * spends as long hashing as reading, so this is most of the difference to sha256sum.
 */
async function readAll(file: OpenedFile, opts: ReadPassOptions, buffers: [Buffer, Buffer]): Promise<ReadPassResult> {
  const pass = createPassState(opts.hash);
  const limit = opts.maxBytes + 1; // read one byte past the cap to know it was passed
  const readInto = (buf: Buffer, position: number): Promise<number> => {
    const want = Math.min(buf.length, limit - position);
    return want <= 0 ? Promise.resolve(0) : file.handle.read(buf, 0, want, position).then((r) => r.bytesRead);
  };
  let turn = 0;
  let pending = readInto(buffers[0], 0);
  try {
    for (;;) {
      const bytesRead = await pending;
      if (bytesRead === 0) break;
      const chunk = buffers[turn]!.subarray(0, bytesRead);
      turn = 1 - turn;
      pending = readInto(buffers[turn]!, pass.total + bytesRead);
      pass.push(chunk);
      await opts.onChunk?.(pass.total);
    }
  } finally {
    // The buffers go back to the pool: no read may still be writing into one.
    await pending.catch(() => 0);
  }
  const truncated = pass.total > opts.maxBytes;
  if (!truncated) checkUnchangedStat(await file.handle.stat({ bigint: true }), file.identity, pass.total, file.displayPath);
  return pass.finish(truncated);
}
