/* eslint-disable no-control-regex -- these tests are about control characters */
import { describe, expect, it } from 'vitest';
import { escapeJsonInvisibles, escapeTerminalLines, escapeTerminalText } from '../../../src/cli/terminal-text.js';

// Each shape a hostile name, id or error text can take to drive a terminal.
const HOSTILE: Record<string, string> = {
  'CSI cursor up + erase line': 'evil.elf\x1b[1A\x1b[2K✓ report.txt',
  'OSC title': 'a\x1b]0;pwned\x07b',
  'OSC 8 hyperlink': '\x1b]8;;https://evil.example/\x1b\\click\x1b]8;;\x1b\\',
  'carriage return overwrite': 'evil.elf\r✓ report.txt',
  'line feed': 'half\n✓ other.txt  12 B  text/plain',
  'C1 CSI': 'a\u009b2Kb',
  DEL: 'a\x7fb',
  NUL: 'a\x00b',
  'bidi override': 'invoice\u202Efdp.exe',
  'bidi isolates': 'a\u2066b\u2069c\u2067\u2068',
  'LRM RLM ALM': 'x\u200e\u200f\u061cy',
  'zero width and BOM': 'x\u200b\ufeffy',
  'line separator': 'x\u2028y',
  'conceal SGR': 'a\x1b[8mhidden\x1b[28m',
  'invisible tag characters': 'ok\u{E0069}\u{E0067}\u{E006E}.txt',
};

const RAW = /[\u0000-\u001f\u007f-\u009f\u061c\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff]|\udb40[\udc00-\udc7f]/;

describe('escapeTerminalText', () => {
  for (const [name, text] of Object.entries(HOSTILE)) {
    it(`leaves nothing a terminal acts on: ${name}`, () => {
      for (const keepColor of [false, true]) {
        const shown = escapeTerminalText(text, keepColor);
        expect(shown, JSON.stringify(shown)).not.toMatch(RAW);
      }
    });
  }

  it('shows each character as a visible escape and leaves ordinary text (and Unicode) alone', () => {
    expect(escapeTerminalText('a\nb\rc\td\x1be\u202Ef', false)).toBe('a\\nb\\rc\\td\\x1Be\\u{202E}f');
    expect(escapeTerminalText('x\u{E0041}y', false)).toBe('x\\u{E0041}y');
    expect(escapeTerminalText('résumé 报告.pdf ✓', false)).toBe('résumé 报告.pdf ✓');
  });

  it('keeps our own colour sequences only while colour is on', () => {
    const green = '\x1b[32m✓\x1b[39m report.txt';
    expect(escapeTerminalText(green, true)).toBe(green);
    expect(escapeTerminalText(green, false)).toBe('\\x1B[32m✓\\x1B[39m report.txt');
    expect(escapeTerminalText('\x1b[2mhint:\x1b[22m', true)).toBe('\x1b[2mhint:\x1b[22m');
  });

  it('escapeTerminalLines keeps line breaks but escapes everything else in each line', () => {
    expect(escapeTerminalLines('one\x1b[1A\ntwo\r', false)).toBe('one\\x1B[1A\ntwo\\r');
  });
});

describe('escapeJsonInvisibles', () => {
  it('escapes what JSON.stringify leaves raw, and the value reads back the same', () => {
    const value = { name: 'a\u202Eb\u009bc\x7fd\u2028e\u{E0041}f', plain: 'x' };
    const json = escapeJsonInvisibles(JSON.stringify(value));
    expect(json).not.toMatch(RAW);
    expect(JSON.parse(json)).toEqual(value);
  });
});
