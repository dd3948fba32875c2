/**
 * validate's proof that a verdict is about one version of the file. The read pass hashes the
 * file first; the container checks then read directories at random (files/read-regions.ts:
 * a zip's central directory, compound-file sectors, an audio frame past an ID3 tag). A file
 * rewritten in place between the two — through a shared mmap, size, mtime and ctime unchanged
 * — would get a verdict built from two different files: the directory of one, the hash of the
 * other. So when anything was read after the pass, one more pass hashes the file again and
 * checks the regions as they stream by (the upload's own check, upload/region-check.ts): the
 * same SHA-256 and the same region bytes in one pass mean the judged directory is the hashed
 * file's. Only files judged by such reads pay for it (big containers); the hash cache keeps the
 * confirmed verdict, so a second run reads nothing.
 */
import { createHash } from 'node:crypto';
import type { BigIntStats } from 'node:fs';
import { ExaiError } from '../errors.js';
import { checkUnchangedStat } from '../files/open-checks.js';
import type { ContentFacts, FileIdentity } from '../files/types.js';
import { createRegionCheck } from '../upload/region-check.js';

/** Reads and stats through the handle (or fd) validation opened: never the path again. */
export interface ConfirmIo {
  readAt(buf: Buffer, position: number): Promise<number>;
  stat(): Promise<BigIntStats>;
}

const CHUNK_BYTES = 1024 * 1024;

/** Throw FILE_CHANGED naming the file unless the hashed bytes hold the regions that were judged. */
export async function confirmJudgedBytes(file: { displayPath: string; identity: FileIdentity }, io: ConfirmIo, content: Pick<ContentFacts, 'sha256' | 'regions'>): Promise<void> {
  const check = createRegionCheck(content.regions);
  if (check === undefined || content.sha256 === undefined) return;
  const size = Number(file.identity.size);
  const hash = createHash('sha256');
  const buf = Buffer.allocUnsafe(Math.min(CHUNK_BYTES, size + 1));
  let total = 0;
  let regionsHeld = true;
  // One byte past the size: a file that grew is read as changed, not hashed short.
  while (total <= size) {
    const got = await io.readAt(buf.subarray(0, Math.min(buf.length, size + 1 - total)), total);
    if (got === 0) break;
    const chunk = buf.subarray(0, got);
    hash.update(chunk);
    regionsHeld = check.push(chunk, total) && regionsHeld;
    total += got;
  }
  if (total !== size || !regionsHeld || !check.complete() || hash.digest('hex') !== content.sha256) throw judgedOtherBytes(file.displayPath);
  checkUnchangedStat(await io.stat(), file.identity, total, file.displayPath);
}

function judgedOtherBytes(displayPath: string): ExaiError {
  return new ExaiError('FILE_CHANGED', `${JSON.stringify(displayPath)} changed while being validated: the directory it was judged by is not in the bytes that were hashed.`, {
    path: displayPath,
    hint: 'run again once nothing is writing to the file',
  });
}
