import { describe, expect, it } from 'vitest';
import { toNetworkError } from '../../../src/core/http.js';

describe('toNetworkError', () => {
  it('redacts the request key before it clips the message, at every offset around the cut', () => {
    const key = 'plainkeyQ7x9Zr2abcdefghijklmnop';
    for (let offset = 150; offset <= 210; offset++) {
      const error = Object.assign(new Error(`${'e'.repeat(offset)}${key} more`), { code: 'ECONNRESET' });
      const mapped = toNetworkError(error, { service: 'kimi', headers: { authorization: `Bearer ${key}` } });
      for (let i = 0; i + 6 <= key.length; i++) expect(mapped.message, `offset ${offset}`).not.toContain(key.slice(i, i + 6));
      expect(mapped.message).toContain('ECONNRESET');
    }
  });
});
