/**
 * The upload body: every attempt re-opens the file through safeOpen (containment, no
 * symlinks, regular file) and proves it is still the file that was validated and hashed —
 * same device, inode, size, mtime and ctime — before a byte is sent. After the last byte the
 * handle is checked once more, so a file rewritten in place during the upload fails the
 * request instead of landing at the provider under the old hash.
 */
import { createHash } from 'node:crypto';
import { ExaiError } from '../errors.js';
import { safeOpen } from '../files/safe-open.js';
import type { FileIdentity, OpenedFile, PathPolicy } from '../files/types.js';
import type { BodyReader, UploadBody } from '../../providers/types.js';
import { readChunks } from './chunks.js';
import type { ValidatedFile } from './types.js';

// Far above a socket's write high-water mark (16 KiB on Node 20, 64 KiB later): a chunk that
// size is never reported as written while the socket still holds it, which the reader's
// buffer reuse relies on (core/upload/chunks.ts).
const READ_CHUNK = 1024 * 1024;

/** An upload body that also hashes what it reads when the file's hash is not known yet. */
export interface VerifiedBody extends UploadBody {
  /** SHA-256 of the last read that reached the end and passed the end check. */
  completedSha256(): string | undefined;
}

/** A replayable body for `file`: each open() re-verifies it and reads exactly `size` bytes. */
export function createUploadBody(file: ValidatedFile, policy: PathPolicy): VerifiedBody {
  let completed: string | undefined = file.sha256;
  return {
    size: file.facts.size,
    filename: baseName(file.displayPath),
    mimeType: file.facts.mimeType ?? 'application/octet-stream',
    open: () => openVerified(file, policy, (sha256) => (completed = sha256)),
    completedSha256: () => completed,
  };
}

/** Read the whole file through a verified body and return its SHA-256. */
export async function hashVerified(file: ValidatedFile, policy: PathPolicy): Promise<string> {
  const body = createUploadBody({ ...file, sha256: undefined }, policy);
  const reader = await body.open();
  for await (const _chunk of reader) void _chunk;
  const sha256 = body.completedSha256();
  if (sha256 === undefined) throw new ExaiError('INTERNAL', `${file.displayPath}: hashing ended before the end of the file`);
  return sha256;
}

type OnComplete = (sha256: string) => void;

async function openVerified(file: ValidatedFile, policy: PathPolicy, onComplete: OnComplete): Promise<BodyReader> {
  const opened = await safeOpen(file.facts.realPath, policy);
  let closing: Promise<void> | undefined;
  const close = (): Promise<void> => (closing ??= opened.handle.close().catch(() => undefined));
  try {
    assertSameFile(file, opened.identity);
  } catch (error) {
    await close();
    throw error;
  }
  return {
    async *[Symbol.asyncIterator]() {
      // Hashed only while the hash is unknown (a big file whose hash waited for its upload).
      const hash = file.sha256 === undefined ? createHash('sha256') : undefined;
      try {
        for await (const chunk of readChunks(opened.handle, file.facts.size, READ_CHUNK, (expected, got) => shrankError(file, expected, got))) {
          hash?.update(chunk);
          yield chunk;
        }
        await assertUnchangedAtEnd(file, opened);
        if (hash) onComplete(hash.digest('hex'));
      } finally {
        await close();
      }
    },
    close,
  };
}

/**
 * After the last byte, fstat the handle again: a file rewritten in place (same size) during
 * the upload fails the request instead of landing at the provider under the old hash.
 */
async function assertUnchangedAtEnd(file: ValidatedFile, opened: OpenedFile): Promise<void> {
  const stat = await opened.handle.stat({ bigint: true });
  assertSameFile(file, { ...file.identity, size: stat.size, mtimeNs: stat.mtimeNs, ctimeNs: stat.ctimeNs });
}

function shrankError(file: ValidatedFile, expected: number, got: number): ExaiError {
  return new ExaiError('FILE_CHANGED', `${file.displayPath}: the file changed while it was being uploaded (expected ${expected} bytes, read ${got})`, {
    path: file.displayPath,
    hint: 'make sure nothing writes to the file during the upload, then run it again',
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

function baseName(displayPath: string): string {
  const parts = displayPath.split(/[\\/]/);
  return parts[parts.length - 1] || displayPath;
}
