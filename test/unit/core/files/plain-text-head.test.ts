import { isUtf8 } from 'node:buffer';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileTypeFromBuffer } from 'file-type';
import { describe, expect, it } from 'vitest';
import { isPlainTextHead } from '../../../../src/core/files/plain-text-head.js';
import { sniffHead } from '../../../../src/core/files/sniff.js';

// The shortcut was audited against this file-type: a new version must be audited again.
const AUDITED_FILE_TYPE = '21.3.4';
const CORE_JS = createRequire(import.meta.url).resolve('file-type/core');
const CORE_SOURCE = readFileSync(CORE_JS, 'utf8');

function evidence(head: Buffer): { validUtf8: boolean; hasNul: boolean } {
  return { validUtf8: isUtf8(head), hasNul: head.includes(0) };
}

function plain(head: Buffer): boolean {
  return isPlainTextHead(head, evidence(head));
}

// Every signature literal in file-type's source, with its literal offset (0 when none is given).
function signatureLiterals(): { bytes: Buffer; offset: number }[] {
  const found: { bytes: Buffer; offset: number }[] = [];
  const call = /this\.(check|checkString)\((\[[^\]]*\]|'(?:[^'\\]|\\.)*')(?:,\s*\{([^}]*)\})?\)/g;
  for (const [, kind, literal = '', opts = ''] of CORE_SOURCE.matchAll(call)) {
    if (/encoding/.test(opts)) continue;
    const offset = /offset:\s*([^,}]+)/.exec(opts)?.[1]?.trim() ?? '0';
    if (!/^\d+$/.test(offset)) continue;
    const bytes = kind === 'check' ? Buffer.from(literal.slice(1, -1).split(',').map((n) => Number(n.trim()))) : Buffer.from(unescape(literal.slice(1, -1)), 'latin1');
    found.push({ bytes, offset: Number(offset) });
  }
  return found;
}

function unescape(s: string): string {
  const simple: Record<string, string> = { '0': '\0', n: '\n', r: '\r', t: '\t' };
  return s.replace(/\\(u[0-9a-fA-F]{4}|.)/g, (_, e: string) => (e.length === 5 ? String.fromCharCode(parseInt(e.slice(1), 16)) : (simple[e] ?? e)));
}

// A valid UTF-8 character starting with `lead` (ASCII stands for itself).
function charStartingWith(lead: number): Buffer {
  if (lead < 0x80) return Buffer.from([lead]);
  if (lead <= 0xdf) return Buffer.from([lead, 0x80]);
  if (lead === 0xe0) return Buffer.from([lead, 0xa0, 0x80]);
  if (lead <= 0xef) return Buffer.from([lead, 0x80, 0x80]);
  if (lead === 0xf0) return Buffer.from([lead, 0x90, 0x80, 0x80]);
  return Buffer.from([lead, 0x80, 0x80, 0x80]);
}

const FILLERS = ['a', ' ', 'lorem ipsum é ', '1'];
const SUFFIX_LENGTHS = [0, 3, 300, 5000];
const OFFSETS = [0, 1, 2, 3, 4, 5, 6, 7, 8, 12, 34, 36, 44, 60, 128, 148, 188, 196, 257, 262];

function fill(filler: string, length: number): Buffer {
  return Buffer.from(filler.repeat(Math.ceil(length / filler.length) + 1), 'utf8').subarray(0, length);
}

describe('isPlainTextHead', () => {
  it(`was audited against file-type ${AUDITED_FILE_TYPE}, the version installed`, () => {
    const pkg = JSON.parse(readFileSync(path.join(path.dirname(CORE_JS), 'package.json'), 'utf8')) as { version: string };
    expect(pkg.version).toBe(AUDITED_FILE_TYPE);
  });

  it('accepts ordinary text and rejects anything that is not clean text', () => {
    expect(plain(Buffer.from('line 1: lorem ipsum dolor sit amet\n'))).toBe(true);
    expect(plain(Buffer.from('éàü text\n'))).toBe(true);
    expect(isPlainTextHead(Buffer.from('hello'), { validUtf8: false, hasNul: false })).toBe(false);
    expect(isPlainTextHead(Buffer.from('hello'), { validUtf8: true, hasNul: true })).toBe(false);
    expect(plain(Buffer.alloc(0))).toBe(false);
  });

  it('never claims a head whose first byte starts a file-type signature', () => {
    const firsts = new Set(signatureLiterals().filter((s) => s.offset === 0).map((s) => s.bytes[0] as number));
    for (const m of CORE_SOURCE.matchAll(/this\.buffer\[0\] === (0x[0-9A-Fa-f]+)/g)) firsts.add(Number(m[1]));
    expect(firsts.size).toBeGreaterThan(50);
    for (const first of firsts) {
      const head = Buffer.concat([Buffer.from([first]), fill('plain words ', 400)]);
      expect({ first, plain: isPlainTextHead(head, { validUtf8: true, hasNul: false }) }).toEqual({ first, plain: false });
    }
  });

  it('is only true where file-type detects nothing: every signature literal, at many offsets, in text', async () => {
    let claimed = 0;
    for (const { bytes } of signatureLiterals()) {
      // file-type zero-fills past the end of the data, so a signature ending in NULs also
      // matches data that stops where its NULs begin.
      const zero = bytes.indexOf(0);
      const variants = zero > 0 ? [bytes, bytes.subarray(0, zero)] : [bytes];
      for (const sig of variants) {
        for (const offset of OFFSETS) {
          for (const filler of FILLERS) {
            for (const tail of SUFFIX_LENGTHS) {
              const head = Buffer.concat([fill(filler, offset), sig, fill(filler, tail)]);
              if (!plain(head)) continue;
              claimed++;
              expect({ head: head.subarray(0, 300).toString('latin1'), found: await fileTypeFromBuffer(head) }).toEqual({ head: head.subarray(0, 300).toString('latin1'), found: undefined });
            }
          }
        }
      }
    }
    expect(claimed).toBeGreaterThan(10_000);
  });

  it('is only true where file-type detects nothing: every pair of signature literals at their own offsets', async () => {
    // Conditions like "**ACE" at 7 and "**" at 12 need both parts in place at once.
    const literals = signatureLiterals();
    let claimed = 0;
    for (const [i, a] of literals.entries()) {
      for (const b of literals.slice(i + 1)) {
        const [first, second] = a.offset <= b.offset ? [a, b] : [b, a];
        if (first.offset + first.bytes.length > second.offset) continue;
        const gap = second.offset - first.offset - first.bytes.length;
        for (const tail of [3, 300]) {
          const head = Buffer.concat([fill('a', first.offset), first.bytes, fill('a', gap), second.bytes, fill('a', tail)]);
          if (!plain(head)) continue;
          claimed++;
          expect({ head: head.toString('latin1'), found: await fileTypeFromBuffer(head) }).toEqual({ head: head.toString('latin1'), found: undefined });
        }
      }
    }
    expect(claimed).toBeGreaterThan(50);
  });

  it('is only true where file-type detects nothing: every allowed first byte, at every short length', async () => {
    for (let lead = 0x09; lead <= 0xf4; lead++) {
      for (const length of [0, 1, 5, 147, 149, 257, 258, 262, 4200]) {
        const head = Buffer.concat([charStartingWith(lead), fill('x', length)]);
        if (!plain(head)) continue;
        expect({ lead, length, found: await fileTypeFromBuffer(head) }).toEqual({ lead, length, found: undefined });
      }
    }
  });

  it('leaves a short text whose bytes 148-153 could be a tar checksum to file-type', async () => {
    // 8 * 0x20 + 148 * 'a' + 44 * 'b' = 18924 = 0o44754: file-type calls this 200-byte text a tar.
    for (const field of ['044754', ' 44754', '\t44754', '+44754', '44754 ']) {
      const head = Buffer.from(`${'a'.repeat(148)}${field}  ${'b'.repeat(44)}`);
      expect((await fileTypeFromBuffer(head))?.ext).toBe('tar');
      expect(plain(head)).toBe(false);
    }
    expect(plain(Buffer.from(`${'a'.repeat(148)}\u00a044754  ${'b'.repeat(43)}`))).toBe(false);
    expect(plain(Buffer.from(`${'a'.repeat(148)}  x4754  ${'b'.repeat(44)}`))).toBe(true);
  });

  it('is only true where file-type detects nothing: any byte where a tar checksum would start', async () => {
    for (let byte = 0x09; byte <= 0xf4; byte++) {
      for (const blanks of ['', ' ', '\t ']) {
        for (const length of [149, 150, 154, 200, 257]) {
          const head = Buffer.concat([fill('a', 148), Buffer.from(blanks), charStartingWith(byte), fill('5', length)]).subarray(0, length);
          if (!plain(head)) continue;
          expect({ byte, length, found: await fileTypeFromBuffer(head) }).toEqual({ byte, length, found: undefined });
        }
      }
    }
  });

  it('leaves text formats file-type knows to file-type, so their verdict is unchanged', async () => {
    const textFormats: [string, string][] = [
      ['<?xml version="1.0"?><a/>', 'xml'],
      ['{\\rtf1\\ansi hello}', 'rtf'],
      ['WEBVTT\n\n00:00.000 --> 00:01.000\nhi\n', 'vtt'],
      ['BEGIN:VCARD\nVERSION:3.0\nEND:VCARD\n', 'vcf'],
      ['-----BEGIN PGP MESSAGE-----\nabc\n', 'pgp'],
      ['%!PS-Adobe-3.0\n', 'ps'],
      [`${'a'.repeat(257)}ustar  ${'b'.repeat(300)}`, 'tar'],
      ['abcdftypisom0000', 'mp4'],
    ];
    for (const [body, ext] of textFormats) {
      const head = Buffer.from(body);
      expect(plain(head)).toBe(false);
      const sniff = await sniffHead(head, evidence(head));
      expect({ body, ext: sniff.ext }).toEqual({ body, ext: (await fileTypeFromBuffer(head))?.ext });
      expect(sniff.ext).toBe(ext);
    }
  });
});
