/**
 * The central directory of a zip, read with a few bounded reads at the end of the file: no
 * extraction, no decompression. Our own reads rather than yauzl: yauzl wants a path or an
 * fd it may read at will and opens every entry as a stream, while we need only the names
 * and the declared sizes, from a handle that is already verified, under a byte budget.
 * (APPNOTE.TXT 4.3.12, 4.3.14-16, 4.5.3.)
 */
import type { RandomSource } from './random-source.js';

/** One central-directory record: what the archive claims about an entry. */
export interface ZipEntry {
  name: string;
  method: number;
  compressedSize: number;
  uncompressedSize: number;
  localOffset: number;
}

/** The directory, or why it could not be read. */
export type ZipDirectory = { entries: ZipEntry[]; tooMany: boolean } | { error: string };

const EOCD_SIG = 0x06054b50;
const EOCD_BYTES = 22;
const ZIP64_LOCATOR_SIG = 0x07064b50;
const ZIP64_LOCATOR_BYTES = 20;
const ZIP64_EOCD_SIG = 0x06064b50;
const ZIP64_EOCD_BYTES = 56;
const CENTRAL_SIG = 0x02014b50;
const CENTRAL_BYTES = 46;
/** More entries than any document has; past this the archive is reported, not walked. */
export const MAX_ZIP_ENTRIES = 50_000;
const MAX_DIRECTORY_BYTES = 12 * 1024 * 1024;

interface EndRecord {
  entries: number;
  cdSize: number;
  cdOffset: number;
  /** Where the directory really ends in the file: the (ZIP64) end record's position. */
  directoryEnd: number;
}

/** Read the central directory of the zip in `source`. */
export async function readZipDirectory(source: RandomSource): Promise<ZipDirectory> {
  // The end record is almost always the last 22 bytes (no archive comment): look in a short
  // tail first, and in the longest one a comment allows only when that finds nothing.
  let { tail, tailStart, at } = await findInTail(source, SHORT_TAIL_BYTES);
  // (Also when the record sits too near the short tail's start for a ZIP64 locator before it.)
  if (at < ZIP64_LOCATOR_BYTES && tailStart > 0) ({ tail, tailStart, at } = await findInTail(source, EOCD_BYTES + 0xffff));
  if (at < 0) return { error: 'no end-of-central-directory record' };
  const end = await readEndRecord(source, tail, at, tailStart);
  if ('error' in end) return end;
  if (end.cdSize > MAX_DIRECTORY_BYTES || end.entries > MAX_ZIP_ENTRIES) return { entries: [], tooMany: true };
  // Data prepended to the archive (a self-extractor) shifts every offset by the same amount.
  const shift = end.directoryEnd - (end.cdOffset + end.cdSize);
  const cdStart = end.cdOffset + Math.max(0, shift);
  const directory = await source.read(cdStart, end.cdSize);
  if (directory.length < end.cdSize) return { error: 'the central directory runs past the end of the file' };
  return parseEntries(directory, end.entries, Math.max(0, shift));
}

const SHORT_TAIL_BYTES = 1024;

async function findInTail(source: RandomSource, bytes: number): Promise<{ tail: Buffer; tailStart: number; at: number }> {
  const tailStart = Math.max(0, source.size - bytes);
  const tail = await source.read(tailStart, source.size - tailStart);
  return { tail, tailStart, at: findEndRecord(tail) };
}

// The record is the last EOCD signature whose comment ends at (or before) the end of the file.
function findEndRecord(tail: Buffer): number {
  for (let i = tail.length - EOCD_BYTES; i >= 0; i--) {
    if (tail.readUInt32LE(i) === EOCD_SIG && i + EOCD_BYTES + tail.readUInt16LE(i + 20) <= tail.length) return i;
  }
  return -1;
}

async function readEndRecord(source: RandomSource, tail: Buffer, at: number, tailStart: number): Promise<EndRecord | { error: string }> {
  const record = { entries: tail.readUInt16LE(at + 10), cdSize: tail.readUInt32LE(at + 12), cdOffset: tail.readUInt32LE(at + 16), directoryEnd: tailStart + at };
  const needs64 = record.entries === 0xffff || record.cdSize === 0xffffffff || record.cdOffset === 0xffffffff;
  if (!needs64) return record;
  const locatorAt = at - ZIP64_LOCATOR_BYTES;
  if (locatorAt < 0 || tail.readUInt32LE(locatorAt) !== ZIP64_LOCATOR_SIG) return record;
  // The locator's offset is shifted like every other by prepended data; the record (56 bytes
  // without extensible data) normally sits right before the locator.
  for (const recordAt of [safeNumber(tail.readBigUInt64LE(locatorAt + 8)), tailStart + locatorAt - ZIP64_EOCD_BYTES]) {
    const rec64 = await source.read(recordAt, ZIP64_EOCD_BYTES);
    if (rec64.length < ZIP64_EOCD_BYTES || rec64.readUInt32LE(0) !== ZIP64_EOCD_SIG) continue;
    return { entries: safeNumber(rec64.readBigUInt64LE(32)), cdSize: safeNumber(rec64.readBigUInt64LE(40)), cdOffset: safeNumber(rec64.readBigUInt64LE(48)), directoryEnd: recordAt };
  }
  return { error: `a broken ZIP64 end record (at ${tailStart + at})` };
}

function safeNumber(value: bigint): number {
  return value > BigInt(Number.MAX_SAFE_INTEGER) ? Number.MAX_SAFE_INTEGER : Number(value);
}

function parseEntries(directory: Buffer, count: number, shift: number): ZipDirectory {
  const entries: ZipEntry[] = [];
  let pos = 0;
  while (pos + CENTRAL_BYTES <= directory.length && entries.length < count) {
    if (directory.readUInt32LE(pos) !== CENTRAL_SIG) return { error: `a broken central directory record at entry ${entries.length + 1}` };
    const nameLen = directory.readUInt16LE(pos + 28);
    const extraLen = directory.readUInt16LE(pos + 30);
    const commentLen = directory.readUInt16LE(pos + 32);
    const nameEnd = pos + CENTRAL_BYTES + nameLen;
    if (nameEnd + extraLen + commentLen > directory.length) return { error: 'a central directory record runs past the directory' };
    const entry: ZipEntry = {
      name: directory.toString(directory.readUInt16LE(pos + 8) & 0x800 ? 'utf8' : 'latin1', pos + CENTRAL_BYTES, nameEnd),
      method: directory.readUInt16LE(pos + 10),
      compressedSize: directory.readUInt32LE(pos + 20),
      uncompressedSize: directory.readUInt32LE(pos + 24),
      localOffset: directory.readUInt32LE(pos + 42),
    };
    // Only a field saturated at 0xFFFFFFFF has its value in the ZIP64 extra field.
    if (entry.uncompressedSize === 0xffffffff || entry.compressedSize === 0xffffffff || entry.localOffset === 0xffffffff) applyZip64(entry, directory.subarray(nameEnd, nameEnd + extraLen));
    entry.localOffset += shift;
    entries.push(entry);
    pos = nameEnd + extraLen + commentLen;
  }
  return { entries, tooMany: false };
}

// ZIP64 extra field (id 1): 8-byte values, in this order, for each field that was 0xFFFFFFFF.
function applyZip64(entry: ZipEntry, extra: Buffer): void {
  for (let pos = 0; pos + 4 <= extra.length; ) {
    const id = extra.readUInt16LE(pos);
    const len = extra.readUInt16LE(pos + 2);
    if (id === 1) {
      let at = pos + 4;
      const next = (): number | undefined => (at + 8 <= pos + 4 + len && at + 8 <= extra.length ? safeNumber(extra.readBigUInt64LE((at += 8) - 8)) : undefined);
      if (entry.uncompressedSize === 0xffffffff) entry.uncompressedSize = next() ?? entry.uncompressedSize;
      if (entry.compressedSize === 0xffffffff) entry.compressedSize = next() ?? entry.compressedSize;
      if (entry.localOffset === 0xffffffff) entry.localOffset = next() ?? entry.localOffset;
      return;
    }
    pos += 4 + len;
  }
}

/** The stored (uncompressed) bytes of a small entry, e.g. ODF's and EPUB's `mimetype`; undefined if compressed or odd. */
export async function readStoredEntry(source: RandomSource, entry: ZipEntry, maxBytes: number): Promise<Buffer | undefined> {
  if (entry.method !== 0 || entry.compressedSize > maxBytes) return undefined;
  const header = await source.read(entry.localOffset, 30);
  if (header.length < 30 || header.readUInt32LE(0) !== 0x04034b50) return undefined;
  const dataAt = entry.localOffset + 30 + header.readUInt16LE(26) + header.readUInt16LE(28);
  const data = await source.read(dataAt, entry.compressedSize);
  return data.length === entry.compressedSize ? data : undefined;
}
