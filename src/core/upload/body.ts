/**
 * The upload body: every attempt re-opens the file through the safe opener (containment, no
 * symlinks, regular file; body-source.ts) and proves it is still the file that was validated and hashed —
 * same device, inode, size, mtime and ctime — before a byte is sent. Before the last chunk
 * goes out the handle is checked once more, and the bytes read are hashed and compared with
 * what was validated — the head, the hash, and every range validation read further in (a
 * zip's or compound file's directory) — so a file rewritten in place (even with its stat
 * unchanged) fails the request instead of landing at the provider under the old hash.
 */
import { createHash } from 'node:crypto';
import { ExaiError } from '../errors.js';
import type { FileIdentity, PathPolicy } from '../files/types.js';
import type { BodyReader, UploadBody } from '../../providers/types.js';
import { openBodySource, type BodySource } from './body-source.js';
import { createRegionCheck, type RegionCheck } from './region-check.js';
import type { ValidatedFile } from './types.js';

// Far above a socket's write high-water mark (16 KiB on Node 20, 64 KiB later): a chunk that
// size is never reported as written while the socket still holds it, which the reader's
// buffer reuse relies on (core/upload/chunks.ts).
const READ_CHUNK = 1024 * 1024;

/**
 * An upload body that hashes every byte it reads — the bytes that are sent — and checks them
 * against the validated facts: the validated hash when there is one (a full read, or a
 * hash-cache hit: the cache is only a hint, this is the proof), else the validated head.
 */
export interface VerifiedBody extends UploadBody {
  /** SHA-256 of the current attempt's read, once it reached the end and passed every check. */
  completedSha256(): string | undefined;
}

/** A replayable body for `file`: each open() re-verifies it and reads exactly `size` bytes. */
export function createUploadBody(file: ValidatedFile, policy: PathPolicy): VerifiedBody {
  let completed: string | undefined;
  return {
    size: file.facts.size,
    filename: baseName(file.displayPath),
    mimeType: file.facts.mimeType ?? 'application/octet-stream',
    open: () => {
      // Per attempt: a hash from an earlier read proves nothing about this one.
      completed = undefined;
      return openVerified(file, policy, (sha256) => (completed = sha256));
    },
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
  const size = file.facts.size;
  const source = await openBodySource(file.facts.realPath, size, policy, READ_CHUNK, (expected, got) => shrankError(file, expected, got));
  try {
    assertSameFile(file, source.identity);
  } catch (error) {
    await source.close();
    throw error;
  }
  return {
    async *[Symbol.asyncIterator]() {
      try {
        yield* verifiedChunks(file, source, onComplete);
      } finally {
        await source.close();
      }
    },
    close: () => source.close(),
  };
}

/**
 * The file's chunks, hashed as they go (one read pass). The checks run before a chunk is
 * handed on: the head before the first, the end checks before the last — so a file whose
 * bytes changed without a trace in its stat (a write through a shared mmap) fails before
 * the provider has the whole body, and a small file's changed bytes are never sent at all.
 */
async function* verifiedChunks(file: ValidatedFile, source: BodySource, onComplete: OnComplete): AsyncGenerator<Buffer, void, undefined> {
  const hash = createHash('sha256');
  // The directories and tags validation read past the head (a zip's central directory).
  const regions = createRegionCheck(file.facts.content.regions);
  const size = file.facts.size;
  let position = 0;
  for await (const chunk of source.chunks()) {
    if (position === 0) assertSameHead(file, chunk);
    if (regions?.push(chunk, position) === false) throw changedError(file, 'bytes its validation read past the head, such as an archive directory, differ');
    hash.update(chunk);
    position += chunk.length;
    if (position === size) await finish(file, source, hash.digest('hex'), regions, onComplete);
    yield chunk;
  }
  // An empty file has no last chunk to check before.
  if (size === 0) await finish(file, source, hash.digest('hex'), regions, onComplete);
}

async function finish(file: ValidatedFile, source: BodySource, sha256: string, regions: RegionCheck | undefined, onComplete: OnComplete): Promise<void> {
  await assertUnchangedAtEnd(file, source);
  // Ranges that never went by (a cache row naming bytes past the end) proved nothing.
  if (regions !== undefined && !regions.complete()) throw changedError(file, 'bytes its validation read are not where they were');
  if (file.sha256 !== undefined && sha256 !== file.sha256) throw changedError(file, `its SHA-256 is now ${sha256.slice(0, 12)}…, validated ${file.sha256.slice(0, 12)}…`);
  onComplete(sha256);
}

/**
 * A file validated from its head alone (hash-later.ts) keeps that head: what is sent must
 * start with exactly those bytes, or the type, text and executable checks judged other content.
 */
function assertSameHead(file: ValidatedFile, first: Buffer): void {
  const head = file.facts.read.head;
  if (file.sha256 !== undefined || head.length === 0) return;
  if (first.length < head.length || !first.subarray(0, head.length).equals(head)) throw changedError(file, 'its first bytes differ from the ones validated');
}

function changedError(file: ValidatedFile, why: string): ExaiError {
  return new ExaiError('FILE_CHANGED', `${file.displayPath}: the file changed after it was validated (${why})`, {
    path: file.displayPath,
    hint: 'make sure nothing writes to the file (a program that has it mapped in memory can change it without touching its timestamps), then run it again',
  });
}

/**
 * Before the last chunk, fstat the handle again: a file rewritten in place (same size) during
 * the upload fails the request instead of landing at the provider under the old hash.
 */
async function assertUnchangedAtEnd(file: ValidatedFile, source: BodySource): Promise<void> {
  const stat = await source.stat();
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
