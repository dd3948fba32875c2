/**
 * What a file that is not UTF-8 text probably is instead, so that a Latin-1 README or a
 * UTF-16 CSV from Excel is told "save it as UTF-8" rather than "not a recognised format".
 * A guess from the head, only ever used to word a rejection, never to accept anything.
 */

/** A text encoding other than UTF-8 that the head looks like. */
export type OtherTextEncoding = 'utf-16' | 'utf-32' | 'legacy-8bit';

// The whole head: a text header (MIFF, PAM) followed by pixels must not pass for text.
const SAMPLE_BYTES = 64 * 1024;
// Share of the sampled bytes that may be C0 control characters other than whitespace: text
// in an 8-bit code page has next to none, binary data has plenty.
const MAX_CONTROL_SHARE = 0.005;
// UTF-16 of mostly-ASCII text: one byte of each pair is NUL nearly always.
const MIN_UTF16_NUL_SHARE = 0.4;

/** The non-UTF-8 text encoding `head` looks like, or undefined (UTF-8 text, or not text). */
export function guessOtherText(head: Buffer, validUtf8: boolean, hasNul: boolean): OtherTextEncoding | undefined {
  if (validUtf8 && !hasNul) return undefined;
  if (head.length >= 4 && (head.readUInt32BE(0) === 0xfffe0000 || head.readUInt32BE(0) === 0x0000feff)) return 'utf-32';
  if (head.length >= 2 && (head.readUInt16BE(0) === 0xfffe || head.readUInt16BE(0) === 0xfeff)) return 'utf-16';
  const sample = head.subarray(0, SAMPLE_BYTES);
  if (hasNul) return looksUtf16(sample) ? 'utf-16' : undefined;
  return looksLegacyText(sample) ? 'legacy-8bit' : undefined;
}

function looksUtf16(sample: Buffer): boolean {
  const pairs = Math.floor(sample.length / 2);
  if (pairs < 8) return false;
  let evenNul = 0;
  let oddNul = 0;
  for (let i = 0; i + 1 < sample.length; i += 2) {
    if (sample[i] === 0) evenNul++;
    if (sample[i + 1] === 0) oddNul++;
  }
  // Little-endian ASCII has NULs at odd offsets only, big-endian at even ones.
  const [many, few] = oddNul > evenNul ? [oddNul, evenNul] : [evenNul, oddNul];
  return many / pairs >= MIN_UTF16_NUL_SHARE && few / pairs < 0.05;
}

// Tab, LF, VT, FF, CR, SUB (a DOS end-of-file mark) and ESC (terminal colours) occur in text.
const TEXT_CONTROLS = new Set([0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x1a, 0x1b]);

// Text has lines; raw pixel data of a bright image (no byte below 0x20) has no newlines at all.
const MAX_BYTES_PER_LINE = 400;

function looksLegacyText(sample: Buffer): boolean {
  if (sample.length === 0) return false;
  let controls = 0;
  let high = 0;
  let lines = 0;
  for (const byte of sample) {
    if ((byte < 0x20 && !TEXT_CONTROLS.has(byte)) || byte === 0x7f) controls++;
    if (byte >= 0x80) high++;
    if (byte === 0x0a || byte === 0x0d) lines++;
  }
  // Accented letters in mostly-ASCII text, or a double-byte code page (Shift JIS, Big5), in lines.
  const enoughLines = lines >= Math.max(1, Math.floor(sample.length / MAX_BYTES_PER_LINE));
  return enoughLines && controls / sample.length <= MAX_CONTROL_SHARE && high / sample.length < 0.9;
}
