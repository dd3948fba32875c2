import { describe, expect, it } from 'vitest';
import { isPlainFileId, readFileObject } from '../../../src/providers/files-api.js';

describe('provider file ids', () => {
  it('accepts the ids Kimi and GLM hand out, and nothing with controls, bidi, spaces or non-ASCII', () => {
    for (const id of ['cr9q5m1m9h6k1o8gqk3g', 'file-abc_123.XYZ', '1712345678-abcdef', 'a']) expect(isPlainFileId(id), id).toBe(true);
    for (const id of ['', 'a b', 'a\x1b[2J', 'a\rb', 'a\nb', 'a\tb', 'a\u202Eb', 'a\u200Bb', 'файл', 'a\u009bb', 'a\x7f', 'x'.repeat(257)]) {
      expect(isPlainFileId(id), JSON.stringify(id)).toBe(false);
    }
  });

  it('a listing entry with such an id is skipped, the others are kept', () => {
    expect(readFileObject({ id: 'file\x1b]0;t\x07', bytes: 1 })).toBeUndefined();
    expect(readFileObject({ id: 'file-ok', bytes: 1 })).toMatchObject({ id: 'file-ok', bytes: 1 });
  });
});
