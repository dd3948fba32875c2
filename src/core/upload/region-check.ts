/**
 * The upload's proof that the ranges validation read at random (files/read-regions.ts) are
 * still the bytes it sends: they are hashed from the chunks as those stream past, in the
 * body's single read pass, and compared once the last range has gone by. The body asks
 * before it hands a chunk on, so a changed directory fails the attempt before the provider
 * has the whole file.
 */
import { createHash, type Hash } from 'node:crypto';
import type { ReadRegions } from '../files/types.js';

/** Feed every chunk in file order; `push` answers false once the ranges read differently. */
export interface RegionCheck {
  /** Take the chunk at `position`; false when it completed the ranges and they differ. */
  push(chunk: Buffer, position: number): boolean;
  /** True once every range went by and matched. */
  complete(): boolean;
}

/** A check for `regions`, or undefined when validation read nothing at random. */
export function createRegionCheck(regions: ReadRegions | undefined): RegionCheck | undefined {
  return regions === undefined || regions.spans.length === 0 ? undefined : new Check(regions);
}

class Check implements RegionCheck {
  private next = 0;
  private readonly hash: Hash = createHash('sha256');
  private verdict: boolean | undefined;

  constructor(private readonly regions: ReadRegions) {}

  push(chunk: Buffer, position: number): boolean {
    if (this.verdict !== undefined) return this.verdict;
    const spans = this.regions.spans;
    const end = position + chunk.length;
    while (this.next < spans.length) {
      const start = spans[this.next]!;
      const stop = start + spans[this.next + 1]!;
      if (start >= end) return true;
      const from = Math.max(start, position);
      if (stop > from) this.hash.update(chunk.subarray(from - position, Math.min(stop, end) - position));
      if (stop > end) return true;
      this.next += 2;
    }
    this.verdict = this.hash.digest('hex') === this.regions.sha256;
    return this.verdict;
  }

  complete(): boolean {
    return this.verdict === true;
  }
}
