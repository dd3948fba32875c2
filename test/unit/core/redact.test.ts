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

  it('masks session tokens a server echoes by name (JSON, escaped JSON, form), keeping the name', () => {
    const text = ['{"refresh_token":"c440a9122e85"}', '{\\"refresh_token\\":\\"c440a9122e85\\"}', 'grant_type=refresh_token&refresh_token=abc123def', 'access_token: zzzz1234'].join('\n');
    expect(redactSecrets(text)).toBe(['{"refresh_token":"<redacted>"}', '{\\"refresh_token\\":\\"<redacted>\\"}', 'grant_type=refresh_token&refresh_token=<redacted>', 'access_token: <redacted>'].join('\n'));
    expect(redactSecrets('the access_token is fine')).toBe('the access_token is fine');
  });

  it('leaves ordinary text and very short "secrets" alone', () => {
    expect(redactSecrets('uploaded report.pdf to kimi (file-extract)', ['ab', undefined])).toBe('uploaded report.pdf to kimi (file-extract)');
  });

  it('masks exactly what the Zhipu key pattern matches, wherever keys sit among hex, dots and words', () => {
    const pattern = /\b[0-9a-f]{32}\.[A-Za-z0-9]{16}\b/g;
    const key = '0123456789abcdef0123456789abcdef.AbCdEfGhIjKlMnOp';
    const pieces = [key, key, 'a', 'F', '_', '.', ' ', '"', '-', '0', 'deadbeef', 'x.', `${key}Q`, `9${key}`, key.toUpperCase(), key.slice(1), `${key.slice(0, 33)}0123456789abcdef.`, '\n'];
    let seed = 7;
    const next = (n: number): number => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return Math.floor((seed / 2147483648) * n); // the high bits: an LCG's low bits repeat
    };
    for (let round = 0; round < 3000; round++) {
      const text = Array.from({ length: 1 + next(8) }, () => pieces[next(pieces.length)]).join('');
      expect(redactSecrets(text), text).toBe(text.replace(pattern, '<redacted>'));
    }
    expect(redactSecrets(`${key} ${key}`)).toBe('<redacted> <redacted>');
    expect(redactSecrets(`sha ${'ab'.repeat(32)}.pdf0123456789abc`)).toBe(`sha ${'ab'.repeat(32)}.pdf0123456789abc`);
  });

  it('masks the longest secret first so a shorter one cannot leave a tail', () => {
    const redact = createRedactor(['abcd', 'abcdefgh']);
    expect(redact('x abcdefgh y')).toBe('x <redacted> y');
  });
});

describe('clipText', () => {
  it('never ends in part of a token-shaped run, whatever the cut', async () => {
    const { clipText } = await import('../../../src/core/redact.js');
    const token = 'AbCdEf0123456789-_.xyz';
    for (let offset = 0; offset < 40; offset++) {
      const text = `${'w '.repeat(offset)}${token} tail`;
      for (const max of [10, 20, 30, 50]) {
        const clipped = clipText(text, max);
        expect(clipped.length).toBeLessThanOrEqual(max + 1);
        // Either the whole token is there, or none of it is.
        if (!clipped.includes(token)) expect(clipped).not.toMatch(/[A-Za-z0-9._-]{4,}…$/);
      }
    }
    expect(clipText('short', 300)).toBe('short');
  });

  it('masks user:password in any URL spelling it can see, and leaves user@host alone', () => {
    expect(redactSecrets('GET http://user:pa55@host/v1 failed')).toBe('GET http://<redacted>@host/v1 failed');
    expect(redactSecrets('http:user:pw@h and http:\\\\u:p@h')).toBe('http:<redacted>@h and http:\\\\<redacted>@h');
    expect(redactSecrets('https://u:p%40w@h/x')).toBe('https://<redacted>@h/x');
    expect(redactSecrets('ssh://git@github.com at 13:27:01')).toBe('ssh://git@github.com at 13:27:01');
  });
});
