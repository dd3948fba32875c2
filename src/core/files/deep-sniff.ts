/**
 * Sniffing past the 64 KiB head, where a format needs it: a zip's central directory and a
 * compound file's directory (containers are judged by what they hold, not by their name),
 * audio behind an ID3 tag larger than the head (FLAC or AAC would otherwise read as MP3),
 * and a TIFF whose first image directory lies far into the file. All through a bounded
 * RandomSource over the handle the read pass verified.
 */
import { inspectCfb } from './cfb-format.js';
import { ReadBudgetExceeded, type RandomSource } from './random-source.js';
import { FRAME_SYNC_SNIFFS, framesAgree } from './mpeg-frames.js';
import { fileTypeOf } from './sniff.js';
import type { ContainerFacts } from './types.js';
import { inspectZip } from './zip-format.js';

/** A sniff answer as file-type gives it. */
export interface Sniffed {
  mime: string | undefined;
  ext: string | undefined;
}

/** The sniff after looking further in, and the container directory when there is one. */
export interface DeepSniff extends Sniffed {
  container?: ContainerFacts | undefined;
}

// file-type names these from the entries it finds in the head; the directory decides instead.
const ZIP_SNIFFS = new Set(['zip', 'docx', 'xlsx', 'pptx', 'odt', 'ods', 'odp', 'odg', 'ott', 'ots', 'otp', 'otg', 'epub', 'jar', 'apk', 'xpi', '3mf', 'kmz']);
const ID3_PASSES = 4;
const RESNIFF_BYTES = 64 * 1024;

/** Look past the head where `sniff` (of `head`) says it matters; `source` reads the same open file. */
export async function sniffDeeper(head: Buffer, sniff: Sniffed, source: RandomSource): Promise<DeepSniff> {
  try {
    if (sniff.ext !== undefined && ZIP_SNIFFS.has(sniff.ext)) return withContainer(sniff, await inspectZip(source));
    if (sniff.ext === 'cfb') return withContainer(sniff, await inspectCfb(source));
    if (head.subarray(0, 3).toString('latin1') === 'ID3') return (await sniffAfterId3(head, source)) ?? sniff;
    if (sniff.ext === undefined && isTiffHeader(head)) return (await tiffFarIn(head, source)) ?? sniff;
  } catch (error) {
    // A structure that asks for too much, or one our parsers trip over (a bounds check that
    // missed a case), is the file's problem: report it, never crash the batch. I/O errors escape.
    if (!(error instanceof ReadBudgetExceeded) && !(error instanceof RangeError)) throw error;
    if (isContainer(sniff.ext)) return { ...sniff, container: unreadable(sniff.ext, error) };
  }
  return sniff;
}

function isContainer(ext: string | undefined): ext is string {
  return ext === 'cfb' || ext === 'msi' || (ext !== undefined && ZIP_SNIFFS.has(ext));
}

function withContainer(sniff: Sniffed, container: ContainerFacts): DeepSniff {
  // jar and apk stay what file-type called them when the directory agrees or says less.
  const keep = (sniff.ext === 'jar' || sniff.ext === 'apk') && container.format === 'zip';
  return keep ? { ...sniff, container } : { mime: container.mime, ext: container.format, container };
}

function unreadable(ext: string, error: Error): ContainerFacts {
  const kind = ext === 'cfb' || ext === 'msi' ? 'cfb' : 'zip';
  const base: ContainerFacts = { kind, format: kind, mime: kind === 'cfb' ? 'application/x-cfb' : 'application/zip', macros: false, unsafeNames: [], declaredBytes: 0, storedBytes: 0, tooManyEntries: false };
  // Over the budget is what a bomb's directory looks like; anything else is a broken one.
  return error instanceof ReadBudgetExceeded ? { ...base, tooManyEntries: true } : { ...base, problem: 'its directory is malformed' };
}

/** Where the ID3v2 tag at `at` ends ("ID3", version, flags, a 28-bit syncsafe size, maybe a footer). */
export function id3End(bytes: Buffer, at: number): number | undefined {
  if (bytes.length < at + 10 || bytes.subarray(at, at + 3).toString('latin1') !== 'ID3') return undefined;
  const size = ((bytes[at + 6]! & 0x7f) << 21) | ((bytes[at + 7]! & 0x7f) << 14) | ((bytes[at + 8]! & 0x7f) << 7) | (bytes[at + 9]! & 0x7f);
  return at + 10 + size + (bytes[at + 5]! & 0x10 ? 10 : 0);
}

// file-type skips a tag it can see the end of; a tag longer than the head hides the audio.
async function sniffAfterId3(head: Buffer, source: RandomSource): Promise<Sniffed | undefined> {
  let end = id3End(head, 0);
  for (let pass = 0; end !== undefined && pass < ID3_PASSES; pass++) {
    if (end + 16 <= head.length && pass === 0) return undefined;
    const after = await source.read(end, RESNIFF_BYTES);
    const next = id3End(after, 0);
    if (next === undefined) return sniffAudioAt(after, end + after.length >= source.size);
    end += next;
  }
  return undefined;
}

// What follows the tag decides, as it does for a tag inside the head: nothing recognisable
// (or a frame sync with no chain of frames behind it) is no audio, whatever the tag said.
async function sniffAudioAt(after: Buffer, complete: boolean): Promise<Sniffed> {
  const found = after.length === 0 ? undefined : await fileTypeOf(after);
  if (found === undefined || (FRAME_SYNC_SNIFFS.has(found.ext) && !framesAgree(after, found.ext, complete))) return { mime: undefined, ext: undefined };
  return { mime: found.mime, ext: found.ext };
}

function isTiffHeader(head: Buffer): boolean {
  if (head.length < 8) return false;
  return (head[0] === 0x49 && head[1] === 0x49 && head.readUInt16LE(2) === 42) || (head[0] === 0x4d && head[1] === 0x4d && head.readUInt16BE(2) === 42);
}

const MAX_TIFF_TAGS = 4096;

// A first image directory past the head: a sane tag count that fits in the file is a TIFF.
async function tiffFarIn(head: Buffer, source: RandomSource): Promise<Sniffed | undefined> {
  const little = head[0] === 0x49;
  const offset = little ? head.readUInt32LE(4) : head.readUInt32BE(4);
  if (offset < head.length - 2 || offset + 2 > source.size) return undefined;
  const countBytes = await source.read(offset, 2);
  if (countBytes.length < 2) return undefined;
  const tags = little ? countBytes.readUInt16LE(0) : countBytes.readUInt16BE(0);
  if (tags === 0 || tags > MAX_TIFF_TAGS || offset + 2 + tags * 12 > source.size) return undefined;
  return { mime: 'image/tiff', ext: 'tif' };
}
