import { describe, expect, it } from 'vitest';
import { createRedactor, redactSecrets } from '../../../src/core/redact.js';

describe('redactSecrets', () => {
  it('masks the given secrets, also when URL-encoded', () => {
    const secret = 'my secret/value+1';
    expect(redactSecrets(`key=${secret} q=${encodeURIComponent(secret)}`, [secret])).toBe('key=<redacted> q=<redacted>');
  });

  it('masks token shapes it was not told about: Bearer, sk-, JWT, Supabase and Zhipu keys', () => {
    const jwt = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U';
    const text = [
      'Authorization: Bearer abc.def-123456',
      'key sk-abcdefghijklmnop1234',
      `token ${jwt}`,
      'sb_secret_abcdefghijkl',
      '0123456789abcdef0123456789abcdef.AbCdEfGhIjKlMnOp',
    ].join('\n');
    expect(redactSecrets(text)).toBe(['Authorization: Bearer <redacted>', 'key <redacted>', 'token <redacted>', '<redacted>', '<redacted>'].join('\n'));
  });

  it('leaves ordinary text and very short "secrets" alone', () => {
    expect(redactSecrets('uploaded report.pdf to kimi (file-extract)', ['ab', undefined])).toBe('uploaded report.pdf to kimi (file-extract)');
  });

  it('masks the longest secret first so a shorter one cannot leave a tail', () => {
    const redact = createRedactor(['abcd', 'abcdefgh']);
    expect(redact('x abcdefgh y')).toBe('x <redacted> y');
  });
});
