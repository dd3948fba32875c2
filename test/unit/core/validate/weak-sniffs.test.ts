/**
 * Sniffs that rest on a few bytes need a second witness (the corpus sweep found a PhotoCD image
 * accepted as MP3): MPEG/ADTS frame chains, ID3 tags longer than the head, BMP/GIF/JPEG
 * headers, QuickTime/MP4 box chains. Real files of each kind pass; junk with the magic does not.
 */
import { describe, expect, it } from 'vitest';
import { inspectFile, DEFAULT_ALLOWED_MIME_TYPES, DEFAULT_BLOCKED_EXTENSIONS, type FileInspection, type RuleConfig } from '../../../../src/core/validate/index.js';
import { jpegBytes, useFixtureDir, writeFixture } from '../../../fixtures/files.js';
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

