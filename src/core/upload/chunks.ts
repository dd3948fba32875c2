/**
 * Read exactly `size` bytes of an open file as a sequence of chunks, one read ahead: while the
 * consumer sends chunk N, chunk N+1 is read into the other of two buffers. Two buffers for the
 * whole file keep memory flat whatever its size, and no spent buffer waits for a GC.
 *
 * The price is a contract: a chunk is overwritten once the chunk after the next one is read,
 * which starts when the consumer asks for the next one. So a consumer must be done with a chunk
 * (written it to a file, or had the socket accept it) before it asks for the next. undici's
 * request body loop and the local provider's write loop both work that way.
 */
import type { FileHandle } from 'node:fs/promises';

/** What a read that came up short means to the caller (the file shrank). */
export type ShortReadError = (expected: number, got: number) => Error;

/** The file's bytes from offset 0 to `size`, `chunkBytes` at a time. */
export async function* readChunks(handle: FileHandle, size: number, chunkBytes: number, shortRead: ShortReadError): AsyncGenerator<Buffer, void, undefined> {
  if (size === 0) return;
  const length = Math.min(chunkBytes, size);
  const buffers = [Buffer.allocUnsafeSlow(length), Buffer.allocUnsafeSlow(length)] as const;
  let position = 0;
  let turn = 0;
  let pending: Promise<Buffer> | undefined = readAt(handle, buffers[0], 0, size, shortRead);
  try {
    while (pending !== undefined) {
      const chunk: Buffer = await pending;
      position += chunk.length;
      turn = 1 - turn;
      pending = position < size ? readAt(handle, buffers[turn === 0 ? 0 : 1], position, size, shortRead) : undefined;
      yield chunk;
    }
  } finally {
    // Abandoned early: the read ahead may still fail (its handle closing); nobody waits for it.
    pending?.catch(() => undefined);
  }
}

async function readAt(handle: FileHandle, buffer: Buffer, position: number, size: number, shortRead: ShortReadError): Promise<Buffer> {
  const want = Math.min(buffer.length, size - position);
  const { bytesRead } = await handle.read(buffer, 0, want, position);
  if (bytesRead === 0) throw shortRead(size, position);
  return buffer.subarray(0, bytesRead);
}
