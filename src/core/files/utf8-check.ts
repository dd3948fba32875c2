/**
 * Streaming UTF-8 validation on top of the native `buffer.isUtf8` (simdutf): no string is
 * decoded, so a text file costs a validation pass, not a copy into a JS string per chunk.
 * TextDecoder({fatal, stream}) would work too but allocates a string per chunk.
 */
import { isUtf8 } from 'node:buffer';

/** Feeds chunks in order; `push` and `end` return false once the bytes are not valid UTF-8. */
export interface Utf8Checker {
  push(chunk: Buffer): boolean;
  end(): boolean;
}

/** Make a checker that validates UTF-8 across chunk boundaries. */
export function createUtf8Checker(): Utf8Checker {
  // Up to 3 bytes of a multi-byte sequence cut by the chunk boundary, completed next push.
  const pending = Buffer.alloc(4);
  let pendingLen = 0;
  return {
    push(chunk: Buffer): boolean {
      let start = 0;
      if (pendingLen > 0) {
        const need = sequenceLength(pending[0] ?? 0) - pendingLen;
        const take = Math.min(need, chunk.length);
        chunk.copy(pending, pendingLen, 0, take);
        pendingLen += take;
        start = take;
        if (take < need) return isPrefixValid(pending.subarray(0, pendingLen));
        if (!isUtf8(pending.subarray(0, pendingLen))) return false;
        pendingLen = 0;
      }
      const end = completeEnd(chunk, start);
      if (!isUtf8(chunk.subarray(start, end))) return false;
      pendingLen = chunk.copy(pending, 0, end);
      return true;
    },
    end(): boolean {
      return pendingLen === 0;
    },
  };
}

// Length of the sequence a lead byte starts (1 for ASCII or an invalid lead: isUtf8 rejects those).
function sequenceLength(lead: number): number {
  if (lead >= 0xf0 && lead <= 0xf4) return 4;
  if (lead >= 0xe0 && lead <= 0xef) return 3;
  if (lead >= 0xc2 && lead <= 0xdf) return 2;
  return 1;
}

// Index where a trailing, incomplete multi-byte sequence begins (or the chunk length).
function completeEnd(chunk: Buffer, start: number): number {
  const len = chunk.length;
  for (let i = len - 1; i >= Math.max(start, len - 4); i--) {
    const byte = chunk[i] ?? 0;
    if ((byte & 0xc0) === 0x80) continue; // continuation byte: keep looking for the lead
    const need = sequenceLength(byte);
    return len - i < need ? i : len;
  }
  return len;
}

// A cut sequence is only checkable once complete; until then continuation bytes must look right.
function isPrefixValid(bytes: Buffer): boolean {
  for (let i = 1; i < bytes.length; i++) if (((bytes[i] ?? 0) & 0xc0) !== 0x80) return false;
  return true;
}
