/**
 * Turn bytes into facts: what the content is (sniff + text evidence), then what the file
 * is once its name is considered (kind, MIME, active content). Rules only judge facts.
 */
import path from 'node:path';
import {
  ACTIVE_EXTS,
  ACTIVE_MIMES,
  CONTAINER_MIME_BY_EXT,
  PLAIN_TEXT_MIME,
  SNIFF_EXTS_BY_EXT,
  TEXT_MIME_BY_EXT,
  TEXT_NAMESAKE_MIME,
  ZIP_CONTAINER_EXTS,
} from './mime-table.js';
import { sniffDeeper } from './deep-sniff.js';
import { guessOtherText } from './text-encoding.js';
import { weakSniffHolds } from './weak-sniffs.js';
import { finalExtension } from './names.js';
import { sourceFromBuffer, type RandomSource } from './random-source.js';
import { recordReads } from './read-regions.js';
import { containerSignature, detectExecutable, detectMarkup, sniffHead } from './sniff.js';
import type { ContentFacts, ExecutableKind, FileFacts, OpenedFile, ReadPassResult } from './types.js';

// file-type's MPEG sync search fires on a UTF-16 byte-order mark (facts §3.3, file-type#795).
const WEAK_AUDIO = new Set(['mp1', 'mp2', 'mp3']);
// Zip-based executables file-type names from their entries (our own magic checks can't see them).
const EXECUTABLE_SNIFFS: Readonly<Record<string, ExecutableKind>> = { jar: 'java', class: 'java', apk: 'android', dex: 'android', msi: 'msi' };

/**
 * Sniff and classify the bytes of one read pass (name-independent; what the hash cache
 * stores). `source` reads the same open file at random (containers, tags past the head);
 * `body`, when the pass kept every byte it hashed, is read instead (nothing to record then:
 * the hash covers what was judged). Without either only a head that holds the whole file
 * can be looked into.
 */
export async function analyseContent(read: ReadPassResult, source?: RandomSource, body?: Buffer): Promise<ContentFacts> {
  const text = { validUtf8: read.validUtf8, hasNul: read.hasNul };
  const headIsWholeFile = !read.truncated && read.bytesRead <= read.head.length;
  const whole = body ?? (headIsWholeFile ? read.head : undefined);
  // Reads from the file itself are remembered: the upload re-checks every byte they judged.
  const recorder = whole !== undefined || source === undefined ? undefined : recordReads(source);
  const random = whole !== undefined ? sourceFromBuffer(whole) : recorder?.source;
  // A zip or compound file is judged by its directory, so file-type's guess from the head (it
  // inflates [Content_Types].xml to tell docx from xlsx: ~1 ms a file) is not needed.
  const container = random === undefined ? undefined : containerSignature(read.head);
  const sniff = container === undefined ? await sniffHead(read.head, text) : { mime: undefined, ext: container, executable: detectExecutable(read.head, text) };
  const utf16 = read.head.length >= 2 && (read.head.readUInt16BE(0) === 0xfffe || read.head.readUInt16BE(0) === 0xfeff);
  const dropSniff = (utf16 && sniff.ext !== undefined && WEAK_AUDIO.has(sniff.ext)) || !weakSniffHolds(read.head, sniff.ext, headIsWholeFile);
  const shallow = dropSniff ? { mime: undefined, ext: undefined } : sniff;
  // Executables are refused on their magic alone: nothing further in can make them acceptable.
  const deep = random === undefined || sniff.executable !== undefined ? shallow : await sniffDeeper(read.head, shallow, random);
  const ext = deep.ext;
  const regions = recorder?.regions();
  // Only content nothing recognised can be text in another encoding.
  const textEncoding = ext === undefined && sniff.executable === undefined ? guessOtherText(read.head, read.validUtf8, read.hasNul) : undefined;
  return {
    sha256: read.sha256,
    sniffedMime: deep.mime,
    sniffedExt: ext,
    executable: sniff.executable ?? (ext === undefined ? undefined : EXECUTABLE_SNIFFS[ext]),
    validUtf8: read.validUtf8,
    hasNul: read.hasNul,
    markup: detectMarkup(read.head, text),
    headIsWholeFile,
    ...(textEncoding === undefined ? {} : { textEncoding }),
    ...('container' in deep && deep.container !== undefined ? { container: deep.container } : {}),
    ...(regions === undefined ? {} : { regions }),
  };
}

/**
 * True when the sniffed type is one the extension may hold (.jpeg ≡ jpg). A zip or compound
 * file counts as what its directory proves; facts from before directories were read (no
 * `container`) keep the old leniency for a big zip-based document seen only as "zip".
 */
export function sniffMatchesExtension(content: ContentFacts, extension: string): boolean {
  const sniffed = content.sniffedExt;
  if (sniffed === undefined) return false;
  if (SNIFF_EXTS_BY_EXT[extension]?.includes(sniffed) === true) return true;
  return content.container === undefined && sniffed === 'zip' && ZIP_CONTAINER_EXTS.has(extension) && !content.headIsWholeFile;
}

/** Combine content facts with the file's name into the facts the rules judge. */
export function buildFacts(file: Pick<OpenedFile, 'displayPath' | 'realPath' | 'identity'>, content: ContentFacts, read: ReadPassResult): FileFacts {
  const baseName = path.basename(file.realPath);
  const extension = finalExtension(baseName);
  const kind = classify(content, extension);
  const statSize = Number(file.identity.size);
  return {
    displayPath: file.displayPath,
    realPath: file.realPath,
    extension,
    baseName,
    // Past the cap we stopped reading; the stat size (if larger) says how far past.
    size: read.truncated ? Math.max(read.bytesRead, statSize) : read.bytesRead,
    sniffedMime: content.sniffedMime,
    sniffedExt: content.sniffedExt,
    mimeType: decideMime(kind, content, extension),
    executable: content.executable !== undefined,
    activeContent: isActive(content, extension),
    kind,
    content,
    read,
  };
}

// Valid UTF-8 without NUL beats a weak magic hit (text starting "ID3", "MZ", "BM"), unless
// the hit agrees with the name (an ASCII-only PDF named .pdf) or the content is executable.
function classify(content: ContentFacts, extension: string): FileFacts['kind'] {
  const isText = content.validUtf8 && !content.hasNul;
  if (content.executable !== undefined) return 'binary';
  // Valid text under a text name stays text: a TypeScript .ts whose bytes happen to pass for an
  // MPEG transport stream, an .ics file-type calls text/calendar anyway.
  if (isText && TEXT_MIME_BY_EXT[extension] !== undefined) return 'text';
  if (content.sniffedExt !== undefined) {
    return isText && !sniffMatchesExtension(content, extension) ? 'text' : 'binary';
  }
  return isText ? 'text' : 'unknown';
}

function decideMime(kind: FileFacts['kind'], content: ContentFacts, extension: string): string | undefined {
  if (kind === 'unknown') return undefined;
  if (kind === 'text') return TEXT_MIME_BY_EXT[extension] ?? TEXT_NAMESAKE_MIME[extension] ?? PLAIN_TEXT_MIME;
  // zip/cfb name only the container; the extension (already checked to match) names the format.
  const container = CONTAINER_MIME_BY_EXT[extension];
  if (container !== undefined && (content.sniffedExt === 'zip' || content.sniffedExt === 'cfb')) {
    return sniffMatchesExtension(content, extension) ? container : content.sniffedMime;
  }
  return content.sniffedMime ?? 'application/x-executable';
}

function isActive(content: ContentFacts, extension: string): boolean {
  if ((ACTIVE_EXTS.has(extension) && !renamedBinary(content, extension)) || content.container?.macros === true) return true;
  if (content.sniffedMime !== undefined && ACTIVE_MIMES.has(content.sniffedMime)) return true;
  if (content.markup === 'svg' || content.markup === 'html') return true;
  // <svg>/<script>/XHTML inside an XML document renders as active content too.
  return content.markup === 'embedded' && (extension === '.xml' || content.sniffedExt === 'xml');
}

// A PNG named .svg is a renamed image, not SVG: the extension rule rejects it for that (the
// name has a text type), and calling it active content too would contradict that reason.
// Names without a text type (.shtml, .mht) stay active whatever they hold: nothing else rejects them.
function renamedBinary(content: ContentFacts, extension: string): boolean {
  const binary = !content.validUtf8 || content.hasNul;
  return binary && content.sniffedExt !== undefined && TEXT_MIME_BY_EXT[extension] !== undefined;
}

/**
 * The content type to store a copy under (an archive object): active content the user let
 * through is stored as text/plain, so that no browser that fetches the copy renders it.
 */
export function storedContentType(facts: Pick<FileFacts, 'mimeType' | 'activeContent'>): string {
  if (facts.activeContent) return 'text/plain';
  return facts.mimeType ?? 'application/octet-stream';
}
