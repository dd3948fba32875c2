/** Cutting client bytes into lines: boundaries anywhere, CRLF, endless lines, bytes that are not UTF-8. */
import { describe, expect, it } from 'vitest';
import { LineReader } from '../../../src/mcp/line-reader.js';

function feed(reader: LineReader, ...chunks: Array<string | Buffer>) {
  return chunks.flatMap((chunk) => reader.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk)));
}

describe('LineReader', () => {
  it('joins a line split anywhere, even inside a multi-byte character, and drops CR and blank lines', () => {
    const bytes = Buffer.from('{"p":"é"}\r\n\n  \n{"q":1}\n');
    const reader = new LineReader(100);
    const lines = [...bytes].flatMap((byte) => reader.push(Buffer.from([byte])));
    expect(lines).toEqual([{ text: '{"p":"é"}' }, { text: '{"q":1}' }]);
  });

  it('reports a line over the limit once, as soon as it is known, and reads the next line whole', () => {
    const reader = new LineReader(10);
    expect(feed(reader, 'x'.repeat(8), 'x'.repeat(8))).toEqual([{ problem: 'too-long' }]);
    expect(feed(reader, 'x'.repeat(50), 'yy\nok\n')).toEqual([{ text: 'ok' }]);
    expect(feed(reader, `${'z'.repeat(11)}\nfine\n`)).toEqual([{ problem: 'too-long' }, { text: 'fine' }]);
  });

  it('refuses a line that is not UTF-8 instead of repairing it', () => {
    const reader = new LineReader(100);
    expect(feed(reader, Buffer.from([0x22, 0xff, 0x22, 0x0a]), 'ok\n')).toEqual([{ problem: 'not-utf8' }, { text: 'ok' }]);
  });

  it('hands over a last line that has no newline when the input ends, but not the tail of an oversized one', () => {
    const reader = new LineReader(10);
    expect(feed(reader, 'ok\n', 'last')).toEqual([{ text: 'ok' }]);
    expect(reader.end()).toEqual([{ text: 'last' }]);
    expect(reader.end()).toEqual([]);
    expect(feed(reader, 'x'.repeat(20))).toEqual([{ problem: 'too-long' }]);
    expect(reader.end()).toEqual([]);
  });
});
