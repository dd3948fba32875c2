/**
 * When file-type can be skipped: clean UTF-8 text that provably matches none of its
 * signatures. file-type walks ~120 checks and allocates ~40 KB to say "nothing" about a
 * short text head (~17 µs and a share of every garbage collection, per text file).
 * It stays the authority: this only answers "file-type finds nothing" when that is certain,
 * and anything it can't rule out still goes to file-type.
 *
 * Audited against file-type 21.3.4 (core.js): every top-level check of detectConfident either
 * tests byte 0 (the bytes in SIGNATURE_FIRST_BYTES) or is listed in FAR_SIGNATURES; a check
 * nested inside one only runs once that one matched. detectImprecise needs 0x00 or 0xFF at
 * byte 0. file-type zero-fills past the end of a short input, so the NUL-free text rule makes
 * checks that need a NUL inside the data fail, and the tar checksum rule covers the rest.
 * test/unit/core/files/plain-text-head.test.ts pins the version and replays every signature
 * literal in file-type's source against this, so a file-type upgrade can't slip past it.
 */

/** Every byte value that some file-type signature expects at offset 0. */
const SIGNATURE_FIRST_BYTES = new Set(
  Buffer.from(
    '0004060b1a1f2123242528' + '2d2e3037383c414243444546' + '47494b4c4d4e4f505253' + '5760626667697273' +
      '7477787b7e7f89a1abc5c7' + 'cacecfd0d4edeffdfeff',
    'hex',
  ),
);

/** Signatures file-type looks for away from byte 0 with no byte-0 check before them (offset, bytes). */
const FAR_SIGNATURES: readonly (readonly [number, Buffer])[] = [
  [2, Buffer.from('-')], // LHA "-lh0-" … "-lzs-"
  [2, Buffer.from("'\n")], // ESRI shape
  [4, Buffer.from('ftyp')], // ISO BMFF (mp4, heic, avif, …)
  [4, Buffer.from('free')], // QuickTime
  [4, Buffer.from('mdat')],
  [4, Buffer.from('moov')],
  [4, Buffer.from('wide')],
  [4, Buffer.from('G')], // MPEG-TS with 4-byte timecodes (also needs "G" at 196)
  [7, Buffer.from('*')], // ACE "**ACE"
  [34, Buffer.from('LP')], // EOT
  [36, Buffer.from('acsp')], // ICC profile
  [44, Buffer.from('SCRM')], // S3M
  [60, Buffer.from('BOOKMOBI')], // Mobipocket
  [128, Buffer.from('DICM')], // DICOM
  [257, Buffer.from('ustar')], // tar
];

// tar is also detected by a header checksum when bytes 257-262 are zero: with no NUL in the
// text that means a head of at most 257 bytes. The six-byte checksum field at 148 must then
// parse as octal (parseInt after trim), which a first non-blank byte other than a sign or
// 0-7 rules out; a byte of a non-ASCII character might be Unicode space, so it doesn't.
const TAR_CHECKSUM_AT = 148;
const TAR_CHECKSUM_BYTES = 6;
const TAR_MAGIC_AT = 257;

/** True only when file-type is certain to detect nothing in `head` (the text evidence is the whole file's). */
export function isPlainTextHead(head: Buffer, text: { validUtf8: boolean; hasNul: boolean }): boolean {
  if (!text.validUtf8 || text.hasNul || head.length === 0) return false;
  const first = head[0] as number;
  if (SIGNATURE_FIRST_BYTES.has(first) || !isTextLead(first)) return false;
  if (mayHoldTarChecksum(head)) return false;
  return !FAR_SIGNATURES.some(([offset, bytes]) => hasAt(head, offset, bytes));
}

function mayHoldTarChecksum(head: Buffer): boolean {
  if (head.length <= TAR_CHECKSUM_AT || head.length > TAR_MAGIC_AT) return false;
  const end = Math.min(head.length, TAR_CHECKSUM_AT + TAR_CHECKSUM_BYTES);
  for (let i = TAR_CHECKSUM_AT; i < end; i++) {
    const byte = head[i] as number;
    if (byte === 0x20 || (byte >= 0x09 && byte <= 0x0d)) continue;
    return byte >= 0x80 || byte === 0x2b || byte === 0x2d || (byte >= 0x30 && byte <= 0x37);
  }
  return false;
}

// Printable ASCII, tab/LF/CR, or a UTF-8 lead byte: the first byte of ordinary text.
function isTextLead(byte: number): boolean {
  return (byte >= 0x20 && byte < 0x7f) || byte === 0x09 || byte === 0x0a || byte === 0x0d || (byte >= 0xc2 && byte <= 0xf4);
}

function hasAt(head: Buffer, offset: number, bytes: Buffer): boolean {
  if (head.length < offset + bytes.length) return false;
  for (let i = 0; i < bytes.length; i++) if (head[offset + i] !== bytes[i]) return false;
  return true;
}
