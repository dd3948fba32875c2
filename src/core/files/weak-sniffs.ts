/**
 * Second witnesses for the sniffs that rest on a few bytes. file-type calls anything starting
 * "BM" a BMP, "GIF" a GIF, FF D8 FF a JPEG, "mdat" at offset 4 a QuickTime movie and an 11-bit
 * frame sync MP3 (mpeg-frames.ts); all are on the default allowlist, so junk with such a start
 * would be accepted as an image, a video or audio. Each format's header says more than its
 * magic: that is checked here.
 */
import { id3End } from './deep-sniff.js';
import { FRAME_SYNC_SNIFFS, framesAgree } from './mpeg-frames.js';

// BITMAPCOREHEADER (OS/2 1.x), BITMAPINFOHEADER and its V2-V5 / OS/2 2.x successors.
const DIB_HEADER_SIZES = new Set([12, 16, 40, 52, 56, 64, 108, 124]);
const BMP_BIT_DEPTHS = new Set([1, 2, 4, 8, 16, 24, 32, 64]);

// "BM", then a DIB header of a known size with one colour plane and a real bit depth.
function bmpHeaderHolds(head: Buffer): boolean {
  if (head.length < 26) return false;
  const dibSize = head.readUInt32LE(14);
  if (!DIB_HEADER_SIZES.has(dibSize) || head.length < 14 + Math.min(dibSize, 40)) return false;
  const core = dibSize === 12;
  const planes = core ? head.readUInt16LE(22) : head.readUInt16LE(26);
  const bits = core ? head.readUInt16LE(24) : head.readUInt16LE(28);
  return planes === 1 && BMP_BIT_DEPTHS.has(bits) && head.readUInt32LE(10) >= 14 + dibSize;
}

// "GIF87a" or "GIF89a": the version is part of every GIF's signature.
function gifHeaderHolds(head: Buffer): boolean {
  const version = head.subarray(3, 6).toString('latin1');
  return version === '87a' || version === '89a';
}

const JPEG_SEGMENTS_TO_CHECK = 3;

// SOI, then marker segments each where the last one's length says: a JPEG starts with a
// chain of them (APPn, DQT, SOF, …) up to its first scan, never with three stray bytes.
function jpegSegmentsHold(head: Buffer, complete: boolean): boolean {
  let at = 2;
  for (let segment = 0; segment < JPEG_SEGMENTS_TO_CHECK; segment++) {
    if (at >= head.length) return !complete;
    if (head[at] !== 0xff) return false;
    while (at < head.length && head[at] === 0xff) at++; // fill bytes before a marker
    const marker = head[at];
    if (marker === undefined) return !complete;
    // Start of scan or end of image: the header part is over. 0x00 never follows 0xFF here.
    if (marker === 0xda || marker === 0xd9) return segment > 0;
    if (marker === 0x00) return false;
    if (marker === 0x01 || (marker >= 0xd0 && marker <= 0xd7)) {
      at += 1;
      continue;
    }
    if (at + 3 > head.length) return !complete;
    const length = head.readUInt16BE(at + 1);
    if (length < 2) return false;
    at += 1 + length;
  }
  return true;
}

// file-type names QuickTime/MP4 from four letters at offset 4 alone; a real file starts with a box.
const BOX_TYPES_AT_4 = new Set(['ftyp', 'free', 'mdat', 'moov', 'wide']);
const BOXES_TO_CHECK = 3;

function isBoxType(head: Buffer, at: number): boolean {
  if (at + 8 > head.length) return true;
  return [...head.subarray(at + 4, at + 8)].every((byte) => (byte >= 0x20 && byte <= 0x7e) || byte === 0xa9);
}

// ISO BMFF / QuickTime: boxes of [size, type], each where the last one's size says.
function boxesChain(head: Buffer, complete: boolean): boolean {
  let at = 0;
  for (let box = 0; box < BOXES_TO_CHECK && at + 8 <= head.length; box++) {
    if (!isBoxType(head, at)) return false;
    const size32 = head.readUInt32BE(at);
    if (size32 === 0) return true; // the last box runs to the end of the file
    const size = size32 === 1 ? (at + 16 <= head.length ? Number(head.readBigUInt64BE(at + 8)) : 16) : size32;
    if (size < (size32 === 1 ? 16 : 8)) return false;
    at += size;
  }
  // A box that runs past a file held whole is no box.
  return !complete || at <= head.length;
}

/** Whether a weak sniff of `head` (`ext` as file-type named it) is backed by the rest of the header. */
export function weakSniffHolds(head: Buffer, ext: string | undefined, complete: boolean): boolean {
  if (ext === 'bmp') return bmpHeaderHolds(head);
  if (ext === 'gif') return gifHeaderHolds(head);
  if (ext === 'jpg') return jpegSegmentsHold(head, complete);
  if (BOX_TYPES_AT_4.has(head.subarray(4, 8).toString('latin1'))) return boxesChain(head, complete);
  if (ext === undefined || !FRAME_SYNC_SNIFFS.has(ext)) return true;
  // Audio behind an ID3 tag is checked where the tag ends.
  const start = id3End(head, 0) ?? 0;
  // A tag longer than the head, or tags stacked on tags: sniffDeeper looks past them.
  if (start >= head.length || id3End(head, start) !== undefined) return true;
  return framesAgree(head.subarray(start), ext, complete);
}
