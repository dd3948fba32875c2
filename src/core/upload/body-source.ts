/**
 * Where an upload body's bytes come from, for one attempt: the file opened through the safe
 * opener's checks (containment, no symlinks, regular file, handle verified), read from offset
 * 0 to the validated size, and the descriptor's stat for the check before the last chunk.
 *
 * A file that fits in one chunk is opened and read with synchronous syscalls (safe-open-sync.ts,
 * the same checks in the same order): async, it cost seven threadpool round trips — lstat,
 * realpath, open, fstat, readlink, read, fstat, close — for a single read, and a batch of
 * small files spent more of its main thread on those than on anything else. A bigger file
 * streams through a FileHandle, one read ahead (chunks.ts).
 */
import { fstatSync, readSync } from 'node:fs';
import { safeOpen } from '../files/safe-open.js';
import { closeSmallFile, openSmallSync, type OpenedFd } from '../files/safe-open-sync.js';
import type { FileIdentity, OpenedFile, PathPolicy } from '../files/types.js';
import { readChunks, type ShortReadError } from './chunks.js';

/** The stat fields the end-of-body check compares. */
export type EndStat = Pick<FileIdentity, 'size' | 'mtimeNs' | 'ctimeNs'>;

/** One opened file, read once. */
export interface BodySource {
  /** What the opener proved about the file it opened. */
  identity: FileIdentity;
  /** Exactly `size` bytes in order; a chunk is valid until the next one is asked for. */
  chunks(): AsyncIterable<Buffer>;
  /** The open descriptor's stat, now. */
  stat(): Promise<EndStat>;
  /** Release the file; safe to call more than once. */
  close(): Promise<void>;
}

/** Open `realPath` for a body of `size` bytes read `chunkBytes` at a time. */
export async function openBodySource(realPath: string, size: number, policy: PathPolicy, chunkBytes: number, shortRead: ShortReadError): Promise<BodySource> {
  // A file that grew past one chunk since validation comes back undefined: the streaming
  // opener takes it, and the identity check then refuses it.
  const small = size <= chunkBytes ? openSmallSync(realPath, policy, chunkBytes) : undefined;
  if (small !== undefined) return smallSource(small, size, shortRead);
  return streamSource(await safeOpen(realPath, policy), size, chunkBytes, shortRead);
}

function smallSource(opened: OpenedFd, size: number, shortRead: ShortReadError): BodySource {
  let closed = false;
  return {
    identity: opened.identity,
    async *chunks() {
      if (size > 0) yield readWhole(opened.fd, size, shortRead);
    },
    stat: () => Promise.resolve(fstatSync(opened.fd, { bigint: true })),
    close: () => {
      if (!closed) {
        closed = true;
        closeSmallFile(opened);
      }
      return Promise.resolve();
    },
  };
}

// A fresh buffer per read: the chunk goes to a socket that may still hold it after this returns.
function readWhole(fd: number, size: number, shortRead: ShortReadError): Buffer {
  const buffer = Buffer.allocUnsafeSlow(size);
  let position = 0;
  while (position < size) {
    const read = readSync(fd, buffer, position, size - position, position);
    if (read === 0) throw shortRead(size, position);
    position += read;
  }
  return buffer;
}

function streamSource(opened: OpenedFile, size: number, chunkBytes: number, shortRead: ShortReadError): BodySource {
  let closing: Promise<void> | undefined;
  return {
    identity: opened.identity,
    chunks: () => readChunks(opened.handle, size, chunkBytes, shortRead),
    stat: () => opened.handle.stat({ bigint: true }),
    close: () => (closing ??= opened.handle.close().catch(() => undefined)),
  };
}
