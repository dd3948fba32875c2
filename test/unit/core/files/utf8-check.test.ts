import { describe, expect, it } from 'vitest';
import { createUtf8Checker } from '../../../../src/core/files/utf8-check.js';

function checkInPieces(bytes: Buffer, cuts: number[]): boolean {
  const checker = createUtf8Checker();
  let start = 0;
  for (const cut of [...cuts, bytes.length]) {
    if (!checker.push(bytes.subarray(start, cut))) return false;
    start = cut;
  }
  return checker.end();
}

describe('createUtf8Checker', () => {
  const text = Buffer.from('ascii é € 😀 中文 end');

  it('accepts valid text however it is split into chunks', () => {
    for (let a = 0; a <= text.length; a++) {
      for (let b = a; b <= text.length; b += 3) expect(checkInPieces(text, [a, b])).toBe(true);
    }
    // One byte at a time.
    expect(checkInPieces(text, Array.from({ length: text.length }, (_, i) => i))).toBe(true);
  });

  it('rejects invalid sequences wherever the chunk boundary falls', () => {
    const bad = [Buffer.from([0x61, 0xc3, 0x28]), Buffer.from([0xe2, 0x28, 0xa1]), Buffer.from([0xed, 0xa0, 0x80]), Buffer.from([0xc0, 0xaf]), Buffer.from([0x80])];
    for (const bytes of bad) {
      for (let cut = 0; cut <= bytes.length; cut++) expect(checkInPieces(bytes, [cut])).toBe(false);
    }
  });

  it('rejects a sequence left incomplete at the end', () => {
    expect(checkInPieces(Buffer.from([0x61, 0xf0, 0x9f, 0x98]), [2])).toBe(false);
  });
});
