/**
 * What the first bytes say: file-type's magic-number sniff (a best-effort hint, facts §3),
 * our own executable detection (which file-type's answer must never override), and the
 * leading markup that makes a text file SVG or HTML.
 */
import { extraMagic } from './extra-magic.js';
import { isPlainTextHead } from './plain-text-head.js';
import type { ExecutableKind, MarkupKind } from './types.js';

/** The magic-number answer for one head. */
export interface SniffResult {
  mime: string | undefined;
  ext: string | undefined;
  /** The executable format found by magic, if any. */
  executable: ExecutableKind | undefined;
}

/** Whether the whole file (not just the head) was valid UTF-8 without NUL bytes. */
export interface TextEvidence {
  validUtf8: boolean;
  hasNul: boolean;
}

type FileTypeModule = typeof import('file-type/core');
let fileTypeModule: Promise<FileTypeModule> | undefined;

// file-type is ESM with a large parser table; load it on first sniff so `exai --version` stays
// fast. Its core entry: fileTypeFromBuffer is the same function the Node entry re-exports, and
// the Node entry would also load web streams (node:stream/web, ~5 ms) for stream detection.
function loadFileType(): Promise<FileTypeModule> {
  fileTypeModule ??= import('file-type/core');
  return fileTypeModule;
}

/** Sniff `head` with file-type and the executable checks; `text` lets "MZ" text stay text. */
export async function sniffHead(head: Buffer, text: TextEvidence): Promise<SniffResult> {
  const executable = detectExecutable(head, text);
  // Plain text file-type is certain to find nothing in: asking it would only cost time.
  if (head.length === 0 || isPlainTextHead(head, text)) return { mime: undefined, ext: undefined, executable };
  // file-type answers pdf for every head starting "%PDF" (no check ahead of it can match such
  // a head; test/unit/core/files/sniff-pdf.test.ts holds it to that): answering here spares
  // loading and walking its parser for what is often a third of a document tree.
  if (isPdfHead(head)) return { mime: 'application/pdf', ext: 'pdf', executable };
  const { fileTypeFromBuffer } = await loadFileType();
  const found = (await fileTypeFromBuffer(head)) ?? extraMagic(head);
  return { mime: found?.mime, ext: found?.ext, executable };
}

/** file-type's answer for `bytes` alone (no executable or text checks): for re-sniffing past a tag. */
export async function fileTypeOf(bytes: Buffer): Promise<{ mime: string; ext: string } | undefined> {
  const { fileTypeFromBuffer } = await loadFileType();
  const found = await fileTypeFromBuffer(bytes);
  return found === undefined ? undefined : { mime: found.mime, ext: found.ext };
}

function isPdfHead(head: Buffer): boolean {
  return head.length >= 4 && head[0] === 0x25 && head[1] === 0x50 && head[2] === 0x44 && head[3] === 0x46;
}

const CFB_MAGIC = Buffer.from('d0cf11e0a1b11ae1', 'hex');

/** 'zip' or 'cfb' when `head` starts like one (a local file header, an empty zip, the CFB signature). */
export function containerSignature(head: Buffer): 'zip' | 'cfb' | undefined {
  if (head.length >= 4 && head[0] === 0x50 && head[1] === 0x4b && ((head[2] === 3 && head[3] === 4) || (head[2] === 5 && head[3] === 6))) return 'zip';
  if (head.length >= 8 && head.subarray(0, 8).equals(CFB_MAGIC)) return 'cfb';
  return undefined;
}

const MACHO_MAGICS = [0xfeedface, 0xfeedfacf, 0xcefaedfe, 0xcffaedfe, 0xcafebabe, 0xbebafeca];

/** The executable format `head` starts with, if any (ELF, PE, Mach-O, wasm, #! script). */
export function detectExecutable(head: Buffer, text: TextEvidence): ExecutableKind | undefined {
  if (head.length >= 4 && head.readUInt32BE(0) === 0x7f454c46) return 'elf';
  // 0xcafebabe is also a Java class file: bytecode, so rejecting it as executable is right too.
  if (head.length >= 4 && MACHO_MAGICS.includes(head.readUInt32BE(0))) return 'mach-o';
  if (head.length >= 4 && head.readUInt32BE(0) === 0x0061736d) return 'wasm';
  if (head[0] === 0x23 && head[1] === 0x21 && !isAmrAudio(head, text)) return 'script';
  if (head[0] === 0x4d && head[1] === 0x5a && isPortableExecutable(head, text)) return 'pe';
  return undefined;
}

// AMR audio starts "#!AMR\n" or "#!AMR-WB\n" and then frames that are not text; a text file
// starting so is still a script for whatever runs "AMR".
function isAmrAudio(head: Buffer, text: TextEvidence): boolean {
  const start = head.subarray(0, 9).toString('latin1');
  return (start.startsWith('#!AMR\n') || start.startsWith('#!AMR-WB\n')) && (!text.validUtf8 || text.hasNul);
}

// "MZ" alone is two printable letters (a Markdown file can start with them). It is a PE when
// e_lfanew points at "PE\0\0", or a DOS program when the content is not clean text.
function isPortableExecutable(head: Buffer, text: TextEvidence): boolean {
  if (head.length >= 0x40) {
    const peOffset = head.readUInt32LE(0x3c);
    if (peOffset + 4 <= head.length && head.readUInt32BE(peOffset) === 0x50450000) return true;
  }
  return !text.validUtf8 || text.hasNul;
}

/** Whether a (text) head is SVG or HTML at its root, or carries <svg>/<script>/XHTML inside. */
export function detectMarkup(head: Buffer, text: TextEvidence): MarkupKind | undefined {
  if (!text.validUtf8 || text.hasNul || head.length === 0) return undefined;
  const lower = head.toString('utf8').toLowerCase();
  const root = skipProlog(lower);
  if (root.startsWith('<svg')) return 'svg';
  if (root.startsWith('<html') || root.startsWith('<!doctype html')) return 'html';
  if (/<svg[\s>/]|<script[\s>/]|xmlns\s*=\s*["']http:\/\/www\.w3\.org\/1999\/xhtml/.test(lower)) return 'embedded';
  return undefined;
}

// Skip the BOM, whitespace, XML declaration, processing instructions, comments and a
// non-HTML doctype, so that the first element is what is left.
function skipProlog(text: string): string {
  let rest = text.replace(/^\ufeff/, '').trimStart();
  for (;;) {
    const next = rest
      .replace(/^<\?[\s\S]*?\?>/, '')
      .replace(/^<!--[\s\S]*?-->/, '')
      .replace(/^<!doctype\s+(?!html)[^[>]*(?:\[[\s\S]*?\])?\s*>/, '')
      .trimStart();
    if (next === rest) return rest;
    rest = next;
  }
}
