/**
 * Classes of problem the real-world corpus sweep (scripts/corpus-sweep.mjs) found: binary data
 * taken for MP3/AAC on a frame sync alone, text formats rejected because a binary format shares
 * their extension, and ODF templates reported as plain zips.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { inspectFile, DEFAULT_ALLOWED_MIME_TYPES, DEFAULT_BLOCKED_EXTENSIONS, type FileInspection, type RuleConfig } from '../../../../src/core/validate/index.js';
import { jpegBytes, pngBytes, useFixtureDir, writeFixture, zipBytes } from '../../../fixtures/files.js';
import { id3Tag } from '../../../fixtures/real-formats.js';

const fx = useFixtureDir();
const rules: RuleConfig = { maxFileSize: 64 * 1024 * 1024, allowedMimeTypes: DEFAULT_ALLOWED_MIME_TYPES, blockedExtensions: DEFAULT_BLOCKED_EXTENSIONS, allowActiveContent: false };

async function inspect(name: string, content: string | Buffer): Promise<FileInspection> {
  await writeFixture(fx.dir, name, content);
  return inspectFile(name, { policy: fx.policy, rules });
}
const names = (result: FileInspection): string[] => result.errors.map((error) => error.name);

// MPEG-1 Layer III, 128 kbit/s, 44.1 kHz, no padding: 417-byte frames (other headers: other lengths).
function mp3Frames(count: number, header = [0xff, 0xfb, 0x90, 0x64], length = 417): Buffer {
  const frame = Buffer.alloc(length, 0x55);
  Buffer.from(header).copy(frame);
  return Buffer.concat(Array.from({ length: count }, () => frame));
}

// ADTS AAC LC, 44.1 kHz, stereo, 100-byte frames.
function adtsFrames(count: number): Buffer {
  const frame = Buffer.alloc(100, 0x21);
  Buffer.from([0xff, 0xf1, 0x50, 0x80, 0x0c, 0x9f, 0xfc]).copy(frame);
  return Buffer.concat(Array.from({ length: count }, () => frame));
}

describe('audio is a chain of frames, not a frame sync', () => {
  it('accepts real MP3 frames, bare, after a small ID3 tag, and with an ID3v1 tag at the end', async () => {
    for (const [name, bytes] of [
      ['tone.mp3', mp3Frames(40)],
      ['tagged.mp3', Buffer.concat([id3Tag(1024), mp3Frames(40)])],
      ['short.mp3', Buffer.concat([mp3Frames(2), Buffer.from('TAG'), Buffer.alloc(125)])],
      ['big.mp3', mp3Frames(400)],
      // MPEG-2 Layer III at 32 kbit/s, 22.05 kHz: 104-byte frames.
      ['mpeg2.mp3', mp3Frames(60, [0xff, 0xf3, 0x40, 0xc4], 104)],
      // Free format (no bitrate in the header, lame --freeformat): frames run to the next header.
      ['free.mp3', mp3Frames(30, [0xff, 0xfb, 0x04, 0x64], 1500)],
    ] as const) {
      const result = await inspect(name, bytes);
      expect(names(result), name).toEqual([]);
      expect(result.facts?.mimeType, name).toBe('audio/mpeg');
    }
    expect((await inspect('tone.aac', adtsFrames(30))).facts?.sniffedExt).toBe('aac');
  });

  // A PhotoCD image starts with 2 KiB of 0xFF; a raw dump or cipher text can start with any sync.
  const impostors: readonly [string, Buffer][] = [
    ['photocd', Buffer.concat([Buffer.alloc(2048, 0xff), Buffer.alloc(4096, 0x0e)])],
    ['one MP3 header then zeros', Buffer.concat([Buffer.from([0xff, 0xfb, 0x90, 0x64]), Buffer.alloc(8192)])],
    ['one ADTS header then zeros', Buffer.concat([Buffer.from([0xff, 0xf1, 0x50, 0x80, 0x0c, 0x9f, 0xfc]), Buffer.alloc(8192)])],
    ['a cut-off MP3 frame', Buffer.from([0xff, 0xfb, 0x90, 0x64, 1, 2, 3])],
    ['a reserved sample rate', Buffer.concat([Buffer.from([0xff, 0xfb, 0x9c, 0x64]), Buffer.alloc(4096, 0xff)])],
  ];

  it('looks behind an ID3 tag longer than the head: frames are audio, anything else is not', async () => {
    const tag = id3Tag(100 * 1024);
    const real = await inspect('long-tag.mp3', Buffer.concat([tag, mp3Frames(50)]));
    expect(names(real)).toEqual([]);
    expect(real.facts?.mimeType).toBe('audio/mpeg');
    for (const [label, rest] of [['zeros', Buffer.alloc(20_000)], ['0xFF', Buffer.alloc(20_000, 0xff)], ['one header', Buffer.concat([Buffer.from([0xff, 0xfb, 0x90, 0x64]), Buffer.alloc(20_000)])], ['nothing', Buffer.alloc(0)]] as const) {
      const result = await inspect(`tag-then-${label.replace(/\W+/g, '')}.mp3`, Buffer.concat([tag, rest]));
      expect(result.valid, label).toBe(false);
      expect(result.facts?.mimeType ?? '', label).not.toMatch(/^audio\//);
    }
  });

  it.each(impostors)('does not call %s audio, under an unknown name or an audio name', async (label, bytes) => {
    for (const name of ['image.pcd', 'song.mp3', 'sound.aac', 'track.m4a']) {
      const result = await inspect(`${label.replace(/\W+/g, '-')}-${name}`, bytes);
      expect(result.valid, `${label} as ${name}`).toBe(false);
      expect(result.facts?.mimeType ?? '', `${label} as ${name}`).not.toMatch(/^audio\//);
    }
  });
});

// A 2×2 24-bit BMP: file header, BITMAPINFOHEADER (or the 12-byte OS/2 core header), pixels.
function bmpBytes(core = false): Buffer {
  const dib = core ? 12 : 40;
  const buf = Buffer.alloc(14 + dib + 16);
  buf.write('BM', 0, 'latin1');
  buf.writeUInt32LE(buf.length, 2);
  buf.writeUInt32LE(14 + dib, 10);
  buf.writeUInt32LE(dib, 14);
  if (core) {
    buf.writeUInt16LE(2, 18);
    buf.writeUInt16LE(2, 20);
    buf.writeUInt16LE(1, 22);
    buf.writeUInt16LE(24, 24);
  } else {
    buf.writeInt32LE(2, 18);
    buf.writeInt32LE(2, 22);
    buf.writeUInt16LE(1, 26);
    buf.writeUInt16LE(24, 28);
  }
  return buf;
}

describe('images are more than their first two or three bytes', () => {
  it('accepts real BMP (Windows and OS/2 headers) and GIF87a/GIF89a', async () => {
    const gif = (version: string): Buffer => Buffer.concat([Buffer.from(`GIF${version}`), Buffer.from('0100010080000000000000ffffff2c00000000010001000002024401003b', 'hex')]);
    for (const [name, bytes, mime] of [['a.bmp', bmpBytes(), 'image/bmp'], ['os2.bmp', bmpBytes(true), 'image/bmp'], ['a.gif', gif('89a'), 'image/gif'], ['old.gif', gif('87a'), 'image/gif']] as const) {
      const result = await inspect(name, bytes);
      expect(names(result), name).toEqual([]);
      expect(result.facts?.mimeType, name).toBe(mime);
    }
  });

  it('accepts a JPEG whose marker segments chain, and rejects three stray JPEG bytes', async () => {
    const real = await inspect('photo.jpg', jpegBytes());
    expect(names(real)).toEqual([]);
    expect(real.facts?.mimeType).toBe('image/jpeg');
  });

  it('does not call binary data starting "BM", "GIF" or FF D8 FF an image', async () => {
    const junk = Buffer.alloc(4096, 0x80);
    const jpegStart = Buffer.from('ffd8ffe00010', 'hex');
    for (const [label, bytes] of [
      ['BM', Buffer.concat([Buffer.from('BM'), junk])],
      ['BM zeros', Buffer.concat([Buffer.from('BM'), Buffer.alloc(4096)])],
      ['GIF', Buffer.concat([Buffer.from('GIF\x00\x01\x02'), junk])],
      ['FFD8FF', Buffer.concat([Buffer.from('ffd8ff', 'hex'), junk])],
      ['APP0 then junk', Buffer.concat([jpegStart, Buffer.alloc(14), junk])],
    ] as const) {
      for (const name of ['picture.bmp', 'picture.gif', 'picture.jpg', 'blob.img']) {
        const result = await inspect(`${label.replace(/\W+/g, '')}-${name}`, bytes);
        expect(result.valid, `${label} as ${name}`).toBe(false);
        expect(result.facts?.mimeType ?? '', `${label} as ${name}`).not.toMatch(/^image\//);
      }
    }
  });
});

// ISO BMFF / QuickTime boxes: [32-bit size][type][payload].
const box = (type: string, payload: Buffer | string): Buffer => {
  const body = Buffer.isBuffer(payload) ? payload : Buffer.from(payload, 'latin1');
  const head = Buffer.alloc(8);
  head.writeUInt32BE(8 + body.length, 0);
  head.write(type, 4, 'latin1');
  return Buffer.concat([head, body]);
};

describe('video is a chain of boxes, not four letters at offset 4', () => {
  it('accepts an MP4 (ftyp, moov, mdat) and a QuickTime movie (wide, mdat, moov)', async () => {
    const mp4 = Buffer.concat([box('ftyp', 'isom\0\0\x02\0isomiso2mp41'), box('moov', box('mvhd', Buffer.alloc(100))), box('mdat', Buffer.alloc(2000, 7))]);
    const mov = Buffer.concat([box('wide', ''), box('mdat', Buffer.alloc(2000, 7)), box('moov', box('mvhd', Buffer.alloc(100)))]);
    for (const [name, bytes, mime] of [['clip.mp4', mp4, 'video/mp4'], ['clip.mov', mov, 'video/quicktime']] as const) {
      const result = await inspect(name, bytes);
      expect(names(result), name).toEqual([]);
      expect(result.facts?.mimeType, name).toBe(mime);
    }
  });

  it('does not call junk with "mdat", "moov" or "free" at offset 4 a video', async () => {
    const junk = Buffer.alloc(4096, 0x80);
    for (const [label, bytes] of [
      ['size past the end', Buffer.concat([Buffer.from('XXXXmdat', 'latin1'), junk])],
      ['no box after it', Buffer.concat([Buffer.from('\0\0\0\x08free', 'latin1'), junk])],
      ['size 3', Buffer.concat([Buffer.from('\0\0\0\x03moov', 'latin1'), junk])],
    ] as const) {
      for (const name of ['clip.mov', 'clip.mp4', 'blob.img']) {
        const result = await inspect(`${label.replace(/\W+/g, '')}-${name}`, bytes);
        expect(result.valid, `${label} as ${name}`).toBe(false);
        expect(result.facts?.mimeType ?? '', `${label} as ${name}`).not.toMatch(/^video\//);
      }
    }
  });
});

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
