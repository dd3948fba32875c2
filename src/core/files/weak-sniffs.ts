/**
 * Second witnesses for the sniffs that rest on two or three bytes. file-type calls anything
 * starting "BM" a BMP, "GIF" a GIF and an 11-bit frame sync MP3 (mpeg-frames.ts); all three
 * are on the default allowlist, so junk with such a start would be accepted as an image or
 * audio. Each format's header says more than its magic: that is checked here.
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

/** Whether a weak sniff of `head` (`ext` as file-type named it) is backed by the rest of the header. */
export function weakSniffHolds(head: Buffer, ext: string | undefined, complete: boolean): boolean {
  if (ext === 'bmp') return bmpHeaderHolds(head);
  if (ext === 'gif') return gifHeaderHolds(head);
  if (ext === undefined || !FRAME_SYNC_SNIFFS.has(ext)) return true;
  // Audio behind an ID3 tag is checked where the tag ends.
  const start = id3End(head, 0) ?? 0;
  // A tag longer than the head, or tags stacked on tags: sniffDeeper looks past them.
  if (start >= head.length || id3End(head, start) !== undefined) return true;
  return framesAgree(head.subarray(start), ext, complete);
}
