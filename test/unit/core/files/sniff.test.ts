import { describe, expect, it } from 'vitest';
import { detectExecutable, detectMarkup, sniffHead } from '../../../../src/core/files/sniff.js';
import { elfBytes, machOBytes, pdfBytes, peBytes, pngBytes } from '../../../fixtures/files.js';

const text = { validUtf8: true, hasNul: false };
const binary = { validUtf8: false, hasNul: true };

describe('detectExecutable', () => {
  it('recognises ELF, PE, Mach-O, fat/Java, wasm and #! scripts', () => {
    expect(detectExecutable(elfBytes(), binary)).toBe('elf');
    expect(detectExecutable(peBytes(), binary)).toBe('pe');
    expect(detectExecutable(machOBytes(), binary)).toBe('mach-o');
    expect(detectExecutable(Buffer.from([0xca, 0xfe, 0xba, 0xbe, 0, 0, 0, 2]), binary)).toBe('mach-o');
    expect(detectExecutable(Buffer.from([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0]), binary)).toBe('wasm');
    expect(detectExecutable(Buffer.from('#!/usr/bin/env python3\n'), text)).toBe('script');
  });

  it('does not call "MZ" text a PE, but does call an MZ binary one', () => {
    const mzText = Buffer.from(`MZ notes\n${'plain words '.repeat(20)}\n`);
    expect(detectExecutable(mzText, text)).toBeUndefined();
    expect(detectExecutable(Buffer.concat([Buffer.from('MZ'), Buffer.alloc(40)]), binary)).toBe('pe');
    // A real PE header is a PE even if the caller thought it was text.
    expect(detectExecutable(peBytes(), text)).toBe('pe');
  });

  it('leaves documents and images alone', () => {
    expect(detectExecutable(pdfBytes(), binary)).toBeUndefined();
    expect(detectExecutable(pngBytes(), binary)).toBeUndefined();
  });
});

describe('sniffHead', () => {
  it('uses file-type for binary formats and reports nothing for plain text', async () => {
    expect(await sniffHead(pngBytes(), binary)).toEqual({ mime: 'image/png', ext: 'png', executable: undefined });
    expect(await sniffHead(Buffer.from('hello\n'), text)).toEqual({ mime: undefined, ext: undefined, executable: undefined });
    expect((await sniffHead(elfBytes(), binary)).executable).toBe('elf');
  });
});

describe('detectMarkup', () => {
  it('finds SVG and HTML roots past prologs, doctypes and comments', () => {
    expect(detectMarkup(Buffer.from('\ufeff<?xml version="1.0"?>\n<!-- c -->\n<svg></svg>'), text)).toBe('svg');
    expect(detectMarkup(Buffer.from('<!DOCTYPE svg [ <!ENTITY x "y"> ]>\n<svg/>'), text)).toBe('svg');
    expect(detectMarkup(Buffer.from('  <!doctype HTML><p>'), text)).toBe('html');
    expect(detectMarkup(Buffer.from('<HTML><body>'), text)).toBe('html');
  });

  it('marks embedded SVG/script/XHTML and ignores plain text', () => {
    expect(detectMarkup(Buffer.from('<doc><script>x</script></doc>'), text)).toBe('embedded');
    expect(detectMarkup(Buffer.from('# Title\nno markup here\n'), text)).toBeUndefined();
    expect(detectMarkup(Buffer.from('<svg>'), binary)).toBeUndefined();
  });
});
