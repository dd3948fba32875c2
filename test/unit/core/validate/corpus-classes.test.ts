/**
 * Classes of problem the real-world corpus sweep (scripts/corpus-sweep.mjs) found besides weak
 * sniffs (weak-sniffs.test.ts): text formats rejected because a binary format shares their
 * extension, ODF templates reported as plain zips, text in another encoding called
 * unrecognised, and a renamed image also called SVG/HTML.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { inspectFile, DEFAULT_ALLOWED_MIME_TYPES, DEFAULT_BLOCKED_EXTENSIONS, type FileInspection, type RuleConfig } from '../../../../src/core/validate/index.js';
import { pngBytes, useFixtureDir, writeFixture, zipBytes } from '../../../fixtures/files.js';

const fx = useFixtureDir();
const rules: RuleConfig = { maxFileSize: 64 * 1024 * 1024, allowedMimeTypes: DEFAULT_ALLOWED_MIME_TYPES, blockedExtensions: DEFAULT_BLOCKED_EXTENSIONS, allowActiveContent: false };

async function inspect(name: string, content: string | Buffer): Promise<FileInspection> {
  await writeFixture(fx.dir, name, content);
  return inspectFile(name, { policy: fx.policy, rules });
}
const names = (result: FileInspection): string[] => result.errors.map((error) => error.name);

describe('text formats that share an extension with a binary one', () => {
  it.each([
    ['deps.dot', 'digraph deps {\n  a -> b;\n}\n', 'text/vnd.graphviz'],
    ['messages.pot', 'msgid ""\nmsgstr ""\n"Content-Type: text/plain; charset=UTF-8\\n"\n\nmsgid "Hello"\nmsgstr ""\n', 'text/x-gettext-translation-template'],
    ['de.msg', '::msgcat::mcset de "Hello" "Hallo"\n', 'text/plain'],
    ['repo-key.asc', '-----BEGIN PGP PUBLIC KEY BLOCK-----\n\nmQINBFxyz\n-----END PGP PUBLIC KEY BLOCK-----\n', 'text/plain'],
  ])('accepts the text file %s under its text type', async (name, content, mime) => {
    const result = await inspect(name, content);
    expect(names(result)).toEqual([]);
    expect(result.facts?.mimeType).toBe(mime);
  });

  it('still judges the binary format by its bytes, and other binaries under these names as renamed', async () => {
    const doc = await fs.readFile(path.resolve('test/fixtures/office/report.doc'));
    const template = await inspect('letter.dot', doc);
    expect(names(template)).toEqual([]);
    expect(template.facts?.mimeType).toBe('application/msword');
    for (const name of ['image.dot', 'image.pot', 'image.msg', 'image.asc']) {
      expect(names(await inspect(name, pngBytes())), name).toEqual(['EXTENSION_MISMATCH']);
    }
    expect(names(await inspect('slides.pot', doc))).toEqual(['EXTENSION_MISMATCH']);
    const pgp = await inspect('secret.asc', '-----BEGIN PGP MESSAGE-----\n\nhQEMA5ZkQ3lbTHYxAQf/aGVsbG8=\n=abcd\n-----END PGP MESSAGE-----\n');
    expect(names(pgp)).toEqual(['MIME_NOT_ALLOWED']);
  });

  it('rejects a #! script under these names', async () => {
    for (const name of ['run.dot', 'run.pot', 'run.msg', 'run.asc']) {
      expect(names(await inspect(name, '#!/bin/sh\nrm -rf ~\n')), name).toEqual(['EXECUTABLE_CONTENT']);
    }
  });
});

// Sun/NeXT audio: ".snd", header size, data size, encoding (3: 16-bit PCM), rate, channels, then samples.
function sunAu(): Buffer {
  const header = Buffer.alloc(24);
  header.write('.snd', 0, 'latin1');
  [24, 2000, 3, 8000, 1].forEach((value, i) => header.writeUInt32BE(value, 4 + i * 4));
  return Buffer.concat([header, Buffer.alloc(2000, 0x80)]);
}

describe('formats file-type does not know: Sun audio and Netpbm images', () => {
  const ppm = Buffer.concat([Buffer.from('P6\n# made by hand\n4 2\n255\n'), Buffer.alloc(24, 0xc8)]);
  const pgm = Buffer.concat([Buffer.from('P5 4 2 255\n'), Buffer.alloc(8, 0x00)]);

  it.each([
    ['tone.au', sunAu(), 'audio/basic'],
    ['tone.snd', sunAu(), 'audio/basic'],
    ['image.ppm', ppm, 'image/x-portable-pixmap'],
    ['image.pgm', pgm, 'image/x-portable-graymap'],
    ['image.pnm', ppm, 'image/x-portable-pixmap'],
  ])('names %s %s (off the default list, so rejected for its type, not as unrecognised)', async (name, bytes, mime) => {
    const result = await inspect(name, bytes);
    expect(result.facts?.mimeType).toBe(mime);
    expect(names(result)).toEqual(['MIME_NOT_ALLOWED']);
    const allowed = await inspectFile(name, { policy: fx.policy, rules: { ...rules, allowedMimeTypes: [...rules.allowedMimeTypes, mime] } });
    expect(names(allowed)).toEqual([]);
  });

  it('keeps ASCII Netpbm text, and rejects these formats renamed', async () => {
    const ascii = await inspect('ascii.ppm', 'P3\n2 1\n255\n255 0 0  0 255 0\n');
    expect(names(ascii)).toEqual([]);
    expect(ascii.facts?.mimeType).toBe('text/plain');
    expect(names(await inspect('tone-as.wav', sunAu()))).toEqual(['MIME_NOT_ALLOWED', 'EXTENSION_MISMATCH']);
    expect(names(await inspect('image-as.png', ppm))).toEqual(['MIME_NOT_ALLOWED', 'EXTENSION_MISMATCH']);
    expect(names(await inspect('photo-as.ppm', pngBytes()))).toEqual(['EXTENSION_MISMATCH']);
  });
});

describe('OpenDocument templates and databases', () => {
  const odf = (mime: string): Buffer => zipBytes([['mimetype', mime], ['content.xml', '<office:document-content/>'], ['META-INF/manifest.xml', '<manifest/>']]);

  it.each([
    ['letter.ott', 'application/vnd.oasis.opendocument.text-template'],
    ['budget.ots', 'application/vnd.oasis.opendocument.spreadsheet-template'],
    ['deck.otp', 'application/vnd.oasis.opendocument.presentation-template'],
    ['shapes.otg', 'application/vnd.oasis.opendocument.graphics-template'],
    ['biblio.odb', 'application/vnd.oasis.opendocument.base'],
  ])('reports %s as %s (its mimetype entry), not as a zip', async (name, mime) => {
    const result = await inspect(name, odf(mime));
    expect(result.facts?.mimeType).toBe(mime);
    expect(result.errors.map((e) => e.message).join(' ')).toContain(`the type ${mime} is not on the allowed list`);
  });

  it('rejects a template renamed .odt, and a text document renamed .ott', async () => {
    expect(names(await inspect('renamed-template.odt', odf('application/vnd.oasis.opendocument.text-template')))).toEqual(['MIME_NOT_ALLOWED', 'EXTENSION_MISMATCH']);
    expect(names(await inspect('renamed-text.ott', odf('application/vnd.oasis.opendocument.text')))).toEqual(['EXTENSION_MISMATCH']);
  });
});

describe('text in another encoding is told to become UTF-8, not called unrecognised', () => {
  const latin1 = Buffer.from('Le tutoriel de Vim : déplacer le curseur, éditer, sauvegarder.\nÀ bientôt !\n'.repeat(20), 'latin1');
  const utf16le = Buffer.from('name,city\nAda,Zürich\n'.repeat(20), 'utf16le');

  it.each([
    ['tutor.fr', latin1, /legacy 8-bit/],
    ['notes.txt', latin1, /legacy 8-bit/],
    ['export.csv', Buffer.concat([Buffer.from([0xff, 0xfe]), utf16le]), /UTF-16/],
    ['export.dat', utf16le, /UTF-16/],
    ['wide.txt', Buffer.concat([Buffer.from([0xff, 0xfe, 0, 0]), Buffer.from('abc\n'.repeat(10), 'utf16le')]), /UTF-32|UTF-16/],
  ])('%s', async (name, bytes, encoding) => {
    const result = await inspect(name, bytes);
    expect(names(result)).toEqual(['INVALID_TEXT']);
    expect(result.errors[0]?.message).toMatch(encoding);
    expect(result.errors[0]?.hint).toMatch(/UTF-8/);
  });

  it('still calls binary data of no known format unrecognised', async () => {
    const noise = Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 7919 + (i >> 3) * 31) & 0xff));
    // Bright raw pixels have no control bytes; a text header (PPM, MIFF) comes before them.
    const pixels = Buffer.from(Array.from({ length: 60_000 }, (_, i) => 0x80 + ((i * 37) % 0x7f)));
    const ppm = Buffer.concat([Buffer.from('P6\n200 100\n255\n'), pixels]);
    const miff = Buffer.concat([Buffer.from('id=ImageMagick  version=1.0\nclass=DirectClass  colors=0\n'.repeat(60) + '\f\n:\x1a'), pixels]);
    for (const [name, bytes] of [['blob.dat', noise], ['blob.txt', noise], ['image.ppm', ppm], ['image.miff', miff]] as const) {
      const result = await inspect(name, bytes);
      expect(result.valid).toBe(false);
      expect(result.errors[0]?.message, name).not.toMatch(/legacy|UTF-16/);
    }
  });
});

describe('one reason for a renamed binary under an active-content name', () => {
  it('calls a PNG named .svg or .html a renamed image, not SVG/HTML', async () => {
    for (const name of ['favicon.svg', 'page.html', 'page.xhtml']) {
      const result = await inspect(name, pngBytes());
      expect(names(result), name).toEqual(['EXTENSION_MISMATCH']);
      expect(result.errors[0]?.message).toMatch(/content is png/);
    }
  });

  it('still rejects as active content what a browser would render: text markup, gzip under .svgz, any content under .shtml', async () => {
    expect(names(await inspect('gif-polyglot.svg', 'GIF89a<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>'))).toContain('ACTIVE_CONTENT');
    expect(names(await inspect('image.svgz', Buffer.from('1f8b0800000000000003', 'hex')))).toContain('ACTIVE_CONTENT');
    const shtml = await inspect('image.shtml', pngBytes());
    expect(shtml.valid).toBe(false);
    expect(names(shtml)).toContain('ACTIVE_CONTENT');
  });
});
