/**
 * The bytes validation read at random (a zip's central directory at the end of the file, a
 * compound file's directory sectors, an audio frame past a long ID3 tag), remembered as
 * ranges and one SHA-256 of their bytes. A file validated from its head alone is judged by
 * these bytes too, so the upload must prove it sends them unchanged (upload/region-check.ts):
 * a directory rewritten between validation and sending (a docx turned docm, a zip bomb) would
 * otherwise reach the provider unchecked. The readers spend at most RANDOM_READ_BUDGET bytes,
 * so what is kept here is bounded by it too.
 */
import { createHash } from 'node:crypto';
import { ExaiError } from '../errors.js';
import type { RandomSource } from './random-source.js';
import type { ReadRegions } from './types.js';

/** A source that remembers what it read, and the regions that makes. */
export interface RecordingSource {
  readonly source: RandomSource;
  /** The merged ranges read and their hash; undefined when nothing was read. */
  regions(): ReadRegions | undefined;
}

interface Part {
  position: number;
  bytes: Buffer;
}

/** Wrap `inner` so every read is remembered (the buffers the readers got, not copies). */
export function recordReads(inner: RandomSource): RecordingSource {
  const parts: Part[] = [];
  return {
    source: {
      size: inner.size,
      read: async (position, length) => {
        const bytes = await inner.read(position, length);
        if (bytes.length > 0) parts.push({ position, bytes });
        return bytes;
      },
    },
    regions: () => mergeParts(parts),
  };
}

/**
 * Ranges merged where reads overlap or touch (a zip's short and long tail, its directory
 * inside the tail), in file order. Two reads of the same byte that disagree mean the file
 * changed while it was being judged: the judgement holds for no single version of it.
 */
function mergeParts(parts: Part[]): ReadRegions | undefined {
  if (parts.length === 0) return undefined;
  const sorted = [...parts].sort((a, b) => a.position - b.position);
  const spans: number[] = [];
  const hash = createHash('sha256');
  for (let i = 0; i < sorted.length; ) {
    const start = sorted[i]!.position;
    let end = start;
    let j = i;
    for (; j < sorted.length && sorted[j]!.position <= end; j++) end = Math.max(end, sorted[j]!.position + sorted[j]!.bytes.length);
    hash.update(joinRange(sorted.slice(i, j), start, end));
    spans.push(start, end - start);
    i = j;
  }
  return { spans, sha256: hash.digest('hex') };
}

// Parts sorted by position, each starting inside or right after what the earlier ones cover.
function joinRange(parts: Part[], start: number, end: number): Buffer {
  if (parts.length === 1) return parts[0]!.bytes;
  const joined = Buffer.allocUnsafe(end - start);
  let filled = start;
  for (const { position, bytes } of parts) {
    const overlap = Math.min(filled, position + bytes.length) - position;
    if (overlap > 0 && !bytes.subarray(0, overlap).equals(joined.subarray(position - start, position - start + overlap))) throw changedWhileRead();
    if (position + bytes.length > filled) {
      bytes.copy(joined, filled - start, filled - position);
      filled = position + bytes.length;
    }
  }
  return joined;
}

function changedWhileRead(): ExaiError {
  return new ExaiError('FILE_CHANGED', 'the file changed while it was being read (two reads of the same bytes differ)', {
    hint: 'run again once nothing is writing to the file',
  });
}

const SHA256_HEX = /^[0-9a-f]{64}$/;

/** `value` as ReadRegions when it is well formed (a hash-cache row); undefined otherwise. */
export function parseRegions(value: unknown): ReadRegions | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const { spans, sha256 } = value as Partial<ReadRegions>;
  if (typeof sha256 !== 'string' || !SHA256_HEX.test(sha256) || !Array.isArray(spans) || spans.length % 2 !== 0) return undefined;
  let end = -1;
  for (let i = 0; i < spans.length; i += 2) {
    const [start, length] = [spans[i], spans[i + 1]];
    if (!Number.isSafeInteger(start) || !Number.isSafeInteger(length) || start! <= end || length! <= 0) return undefined;
    end = start! + length!;
  }
  return { spans: [...spans] as number[], sha256 };
}
