/** JSON with secrets masked must still be JSON, whatever the strings in it look like. */
import { describe, expect, it } from 'vitest';
import { createRedactor, redactedJson } from '../../../src/core/redact.js';

const redact = createRedactor(['my-own-secret-value']);

describe('redactedJson', () => {
  it('stays parseable when a mask would land after an escape (paths with newlines, quotes, backslashes and @)', () => {
    const hostile = ['x:\nb:c@d.md', 'a\\:b:c@d', 'q:"b:c@d', 'https://user:pw@host/a', 'tab:\tx:y@z'];
    for (const path of hostile) {
      for (const space of [undefined, 2]) {
        const text = redactedJson({ path, nested: [{ [path]: path }] }, redact, space);
        const parsed = JSON.parse(text) as { path: string; nested: Array<Record<string, string>> };
        expect(parsed.path).toBe(redact(path));
        expect(Object.keys(parsed.nested[0]!)).toEqual([redact(path)]);
      }
    }
  });

  it('masks secrets in keys and values, and leaves a document with none exactly as JSON.stringify wrote it', () => {
    const value = { 'my-own-secret-value': 'sk-abcdefghijklmnop', list: ['Bearer abcdef123456', 3, null, true] };
    expect(JSON.parse(redactedJson(value, redact))).toEqual({ '<redacted>': '<redacted>', list: ['Bearer <redacted>', 3, null, true] });
    const clean = { a: 'plain', b: [1, 2, { c: 'x:y' }] };
    expect(redactedJson(clean, redact, 2)).toBe(JSON.stringify(clean, null, 2));
  });
});
