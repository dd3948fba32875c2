/**
 * What one read pass learns from the bytes as they go by — count, SHA-256, head, UTF-8 and
 * NUL — shared by the async pass (read-pass.ts) and the synchronous one for small files.
 */
import { isUtf8 } from 'node:buffer';
import { createHash, hash as hashOnce, type Hash } from 'node:crypto';
import { createUtf8Checker, type Utf8Checker } from './utf8-check.js';
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

/**
 * Start a pass; `hash` false skips SHA-256 when only the sniff is wanted. With `backing`, the
 * chunks are consecutive views of it from its offset 0 and it outlives the result: the head
 * is then a view of it rather than a copy.
 */
export function createPassState(hash: boolean, backing?: Buffer): PassState {
  return new Pass(hash, backing);
}

// A class, not an object literal of closures and a getter: 10,000 small files create
// 10,000 passes, and the literal cost more to build than hashing a 600-byte file.
class Pass implements PassState {
  total = 0;
  // A Hash object costs more than hashing a few KiB, so a file read in one chunk skips it.
  private hasher: Hash | undefined;
  private digest: string | undefined;
  private ended = false;
  // Only a file read in several chunks needs a checker for sequences cut at a boundary.
  private utf8: Utf8Checker | undefined;
  // Copies of the first bytes, sized to what was read: a 1 KiB file costs 1 KiB, not HEAD_BYTES.
  private readonly headParts: Buffer[] = [];
  private headLen = 0;
  private textCandidate = true;
  private hasNul = false;

  constructor(
    private readonly hash: boolean,
    private readonly backing: Buffer | undefined,
  ) {}

  push(chunk: Buffer, last = false): void {
    if (this.ended) throw new Error('read pass: a chunk was pushed after the last one');
    this.ended = last;
    const whole = this.total === 0 && last;
    if (this.hash && whole) this.digest = hashOnce('sha256', chunk, 'hex');
    else if (this.hash) (this.hasher ??= createHash('sha256')).update(chunk);
    if (this.backing === undefined && this.headLen < HEAD_BYTES) {
      const part = Buffer.from(chunk.subarray(0, HEAD_BYTES - this.headLen));
      this.headParts.push(part);
      this.headLen += part.length;
    }
    // Text checks stop at the first NUL or bad sequence: from then on binary pays only for hashing.
    if (this.textCandidate && chunk.indexOf(0) !== -1) {
      this.hasNul = true;
      this.textCandidate = false;
    }
    // The whole file in one chunk: nothing can be cut off, so isUtf8 alone decides.
    if (this.textCandidate) this.textCandidate = whole ? isUtf8(chunk) : (this.utf8 ??= createUtf8Checker()).push(chunk);
    this.total += chunk.length;
  }

  finish(truncated: boolean): ReadPassResult {
    if (!truncated && this.textCandidate && this.utf8 !== undefined) this.textCandidate = this.utf8.end();
    const { hash, headParts } = this;
    const head = this.backing !== undefined ? this.backing.subarray(0, Math.min(this.total, HEAD_BYTES)) : headParts.length === 1 ? (headParts[0] as Buffer) : Buffer.concat(headParts, this.headLen);
    return {
      bytesRead: this.total,
      sha256: hash && !truncated ? (this.digest ?? (this.hasher ?? createHash('sha256')).digest('hex')) : undefined,
      head,
      truncated,
      validUtf8: this.textCandidate,
      hasNul: this.hasNul,
    };
  }
}
