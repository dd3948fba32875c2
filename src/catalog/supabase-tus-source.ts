/**
 * The verified body as tus-js-client's file source: the body is a one-way stream (each read
 * is hashed and checked as it is sent), so the source can only move forward — except that the
 * last slice can be served again, which lets a PATCH refused for an expired token be retried.
 */
import type { BodyReader } from '../providers/types.js';

/** tus-js-client's file source shape (its FileSource type is not exported). */
export interface SliceSource {
  size: number;
  slice(start: number, end: number): Promise<{ value: Buffer; done: boolean }>;
  close(): void;
}

/**
 * Consecutive slices copied into ONE chunk-sized buffer, reused for every PATCH (tus asks for
 * the next slice only after the last was sent), so a 95 MB upload holds 6 MB, not a stream's
 * growing buffers. Copying before the next read also honours the body reader's own buffer
 * reuse (core/upload/chunks.ts). The buffer still holds the last slice until the next is read,
 * so a retry from that slice's start gets the same bytes without reading the file again.
 */
export function sliceSource(reader: BodyReader, size: number, chunk: number): SliceSource {
  const iterator = reader[Symbol.asyncIterator]();
  const buffer = Buffer.allocUnsafe(Math.max(1, Math.min(chunk, size)));
  let pending: Buffer = Buffer.alloc(0);
  let offset = 0;
  let last = { start: -1, filled: 0 };
  const result = (filled: number) => ({ value: Object.assign(buffer.subarray(0, filled), { size: filled }), done: offset >= size });
  return {
    size,
    slice: async (start, end) => {
      // tus-js-client measures a slice by its `size` (as its own Node sources set it), not `length`.
      if (start === last.start && start !== offset) return result(last.filled);
      if (start !== offset) throw new Error(`archive upload cannot seek (asked for ${start}, at ${offset})`);
      const want = Math.min(end, size, start + buffer.length) - start;
      let filled = 0;
      while (filled < want) {
        if (pending.length === 0) {
          const next = await iterator.next();
          if (next.done) break;
          pending = next.value;
        }
        const take = Math.min(want - filled, pending.length);
        pending.copy(buffer, filled, 0, take);
        pending = pending.subarray(take);
        filled += take;
      }
      offset += filled;
      last = { start, filled };
      return result(filled);
    },
    close: () => undefined,
  };
}
