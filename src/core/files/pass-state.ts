/**
 * What one read pass learns from the bytes as they go by — count, SHA-256, head, UTF-8 and
 * NUL — shared by the async pass (read-pass.ts) and the synchronous one for small files.
 */
import { createHash, hash as hashOnce, type Hash } from 'node:crypto';
import { createUtf8Checker } from './utf8-check.js';
import type { ReadPassResult } from './types.js';

/** Bytes kept for magic-number sniffing. */
export const HEAD_BYTES = 64 * 1024;

/** Feed every chunk in order with `push`, then `finish` once. */
export interface PassState {
  /** Bytes pushed so far. */
  readonly total: number;
  /**
   * Take in the next chunk (the caller may reuse its buffer afterwards). `last` promises no
   * more chunks follow, which lets a one-chunk file be hashed in one call.
   */
  push(chunk: Buffer, last?: boolean): void;
  /** The result; `truncated` when reading stopped past the size cap (no hash then). */
  finish(truncated: boolean): ReadPassResult;
}

/** Start a pass; `hash` false skips SHA-256 when only the sniff is wanted. */
export function createPassState(hash: boolean): PassState {
  // A Hash object costs more than hashing a few KiB, so a file read in one chunk skips it.
  let hasher: Hash | undefined;
  let digest: string | undefined;
  const utf8 = createUtf8Checker();
  // Copies of the first bytes, sized to what was read: a 1 KiB file costs 1 KiB, not HEAD_BYTES.
  const headParts: Buffer[] = [];
  let headLen = 0;
  let total = 0;
  let textCandidate = true;
  let hasNul = false;
  return {
    get total() {
      return total;
    },
    push(chunk, last = false) {
      if (digest !== undefined) throw new Error('read pass: a chunk was pushed after the last one');
      if (hash && total === 0 && last) digest = hashOnce('sha256', chunk, 'hex');
      else if (hash) (hasher ??= createHash('sha256')).update(chunk);
      if (headLen < HEAD_BYTES) {
        const part = Buffer.from(chunk.subarray(0, HEAD_BYTES - headLen));
        headParts.push(part);
        headLen += part.length;
      }
      // Text checks stop at the first NUL or bad sequence: from then on binary pays only for hashing.
      if (textCandidate && chunk.indexOf(0) !== -1) {
        hasNul = true;
        textCandidate = false;
      }
      if (textCandidate) textCandidate = utf8.push(chunk);
      total += chunk.length;
    },
    finish(truncated) {
      if (!truncated && textCandidate) textCandidate = utf8.end();
      return {
        bytesRead: total,
        sha256: hash && !truncated ? (digest ?? (hasher ?? createHash('sha256')).digest('hex')) : undefined,
        head: headParts.length === 1 ? (headParts[0] as Buffer) : Buffer.concat(headParts, headLen),
        truncated,
        validUtf8: textCandidate,
        hasNul,
      };
    },
  };
}
