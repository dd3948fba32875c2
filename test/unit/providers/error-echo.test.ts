/**
 * A provider that echoes the key in its error body, at every offset around the 300-character
 * clip and in every body format: no part of the key may reach the message (which is printed
 * and stored in the catalog's error column). Redact first, clip after.
 */
import { describe, expect, it } from 'vitest';
import { toProviderError, type ErrorContext } from '../../../src/providers/provider-errors.js';

const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
const pick = (n: number, seed: number): string => Array.from({ length: n }, (_, i) => ALNUM[(seed * 31 + i * 17 + i * i) % ALNUM.length]).join('');

// A Moonshot-shaped key (49 characters, as in the report), a Zhipu-shaped one, and one that
// matches no token pattern at all, so only the exact-value redaction can catch it.
const KEYS = [`sk-${pick(46, 1)}`, `${'0123456789abcdef'.repeat(2)}.${pick(16, 2)}`, `plainkey${pick(30, 3)}`];

const FORMATS: Record<string, (text: string) => string> = {
  'json message': (t) => JSON.stringify({ error: { type: 'invalid_request_error', message: t } }),
  'json error string': (t) => JSON.stringify({ error: t }),
  'json code': (t) => JSON.stringify({ error: { code: t.slice(-400), message: 'bad key' } }),
  'plain text': (t) => t,
  html: (t) => `<html><head><title>401</title></head><body><h1>Unauthorized</h1><p>${t}</p></body></html>`,
  'multi-line text': (t) => t.replace(/ /g, '\r\n'),
};

function context(key: string): ErrorContext {
  return { provider: 'kimi', action: 'upload report.pdf', secrets: [key], keyEnv: 'MOONSHOT_API_KEY', isQuotaExhausted: () => false };
}

/** Every 6-character piece of the key: none may appear. */
function leaks(text: string, key: string): string[] {
  const found: string[] = [];
  for (let i = 0; i + 6 <= key.length; i++) if (text.includes(key.slice(i, i + 6))) found.push(key.slice(i, i + 6));
  return found;
}

describe('provider error text that echoes the key', () => {
  for (const [format, wrap] of Object.entries(FORMATS)) {
    it(`never shows a piece of it, at every offset around the clip (${format})`, () => {
      for (const key of KEYS) {
        for (let offset = 300 - key.length - 4; offset <= 310; offset++) {
          const filler = 'x '.repeat(Math.ceil(offset / 2)).slice(0, offset);
          const body = wrap(`${filler}${key} and again Bearer ${key}`);
          for (const status of [400, 401, 404, 429, 500]) {
            const error = toProviderError({ status, headers: {}, text: body }, context(key));
            const shown = `${error.message} ${JSON.stringify(error.details)}`;
            expect(leaks(shown, key), `${format} offset ${offset} status ${status}: ${error.message}`).toEqual([]);
          }
        }
      }
    });
  }

  it('keeps the text before the key, clipped, and a key it was not told about is not cut into view', () => {
    const key = KEYS[0]!;
    const error = toProviderError({ status: 400, headers: {}, text: `${'a'.repeat(280)} ${key}` }, context(key));
    expect(error.message).toContain('a'.repeat(280));
    expect(error.message).toContain('<redacted>');
    // An unknown, token-shaped value straddling the cut: the partial run is dropped.
    const jwt = `eyJ${pick(30, 4)}.${pick(40, 5)}.${pick(40, 6)}`;
    const unknown = toProviderError({ status: 400, headers: {}, text: `${'b '.repeat(140)}${jwt}` }, context('unrelated-key-0000'));
    expect(leaks(unknown.message, jwt)).toEqual([]);
  });
});
