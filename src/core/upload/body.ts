/**
 * The upload body: every attempt re-opens the file through safeOpen (containment, no
 * symlinks, regular file) and proves it is still the file that was validated and hashed —
 * same device, inode, size, mtime and ctime — before a byte is sent. After the last byte the
 * handle is checked once more, so a file rewritten in place during the upload fails the
 * request instead of landing at the provider under the old hash.
 */
import { Readable, Transform, type TransformCallback } from 'node:stream';
import { ExaiError } from '../errors.js';
import { safeOpen } from '../files/safe-open.js';
import type { FileIdentity, OpenedFile, PathPolicy } from '../files/types.js';
import type { UploadBody } from '../../providers/types.js';
import type { ValidatedFile } from './types.js';

const READ_CHUNK = 1024 * 1024;
const RECLAIM_EVERY = 16 * 1024 * 1024;

/** A replayable body for `file`: each open() re-verifies and streams exactly `size` bytes. */
export function createUploadBody(file: ValidatedFile, policy: PathPolicy, reclaim?: () => void): UploadBody {
  return {
    size: file.facts.size,
    filename: baseName(file.displayPath),
    mimeType: file.facts.mimeType ?? 'application/octet-stream',
    open: () => openVerified(file, policy, reclaim),
  };
}

async function openVerified(file: ValidatedFile, policy: PathPolicy, reclaim: (() => void) | undefined): Promise<Readable> {
  const opened = await safeOpen(file.facts.realPath, policy);
  try {
    assertSameFile(file, opened.identity);
  } catch (error) {
    await opened.handle.close();
    throw error;
  }
  if (file.facts.size === 0) return emptyStream(opened);
  // The handle outlives the read stream: the end-of-file identity check in checkAtEnd runs
  // after the last read, so the handle is closed only once the checked stream is done.
  const source = opened.handle.createReadStream({ start: 0, end: file.facts.size - 1, highWaterMark: READ_CHUNK, autoClose: false });
  const checked = source.pipe(checkAtEnd(file, opened, reclaim));
  source.on('error', (error) => checked.destroy(error));
  checked.on('close', () => {
    source.destroy();
    opened.handle.close().catch(() => undefined);
  });
  return checked;
}

/**
 * Pass bytes through; at the end, fstat the handle again and fail if the file changed.
 * Every RECLAIM_EVERY bytes `reclaim` runs: each chunk is a fresh buffer outside the JS heap,
 * and V8 only collects those after ~64 MiB of them pile up — the difference between a flat
 * and a file-size-shaped RSS for a streamed upload.
 */
function checkAtEnd(file: ValidatedFile, opened: OpenedFile, reclaim: (() => void) | undefined): Transform {
  let sinceReclaim = 0;
  return new Transform({
    transform(chunk: Buffer, _encoding, callback: TransformCallback) {
      sinceReclaim += chunk.length;
      if (reclaim && sinceReclaim >= RECLAIM_EVERY) {
        sinceReclaim = 0;
        reclaim();
      }
      callback(null, chunk);
    },
    flush(callback: TransformCallback) {
      opened.handle
        .stat({ bigint: true })
        .then((stat) => {
          assertSameFile(file, { ...file.identity, size: stat.size, mtimeNs: stat.mtimeNs, ctimeNs: stat.ctimeNs });
          callback();
        })
        .catch((error: unknown) => callback(error as Error));
    },
  });
}

function assertSameFile(file: ValidatedFile, now: FileIdentity): void {
  const was = file.identity;
  const same = now.dev === was.dev && now.ino === was.ino && now.size === was.size && now.mtimeNs === was.mtimeNs && now.ctimeNs === was.ctimeNs;
  if (!same) {
    throw new ExaiError('FILE_CHANGED', `${file.displayPath}: the file changed after it was validated`, {
      path: file.displayPath,
      hint: 'make sure nothing writes to the file during the upload, then run it again',
    });
  }
}

// Validation rejects empty files; kept so a zero-length body is still well-formed.
function emptyStream(opened: OpenedFile): Readable {
  void opened.handle.close().catch(() => undefined);
  return Readable.from([]);
}

function baseName(displayPath: string): string {
  const parts = displayPath.split(/[\\/]/);
  return parts[parts.length - 1] || displayPath;
}
