/**
 * The validation rules: small, named, independent. Each judges FileFacts and returns an
 * error or nothing; the caller runs all of them so a user sees every problem at once.
 * Where two rules would report one root cause twice (an ELF is also "not an allowed
 * MIME type"), the more specific rule wins.
 */
import type { ExaiError } from '../errors.js';
import { sniffMatchesExtension } from '../files/facts.js';
import { ACTIVE_MIMES, SNIFF_EXTS_BY_EXT, TEXT_MIME_BY_EXT, TEXT_NAMESAKE_MIME } from '../files/mime-table.js';
import { allExtensions } from '../files/names.js';
import type { OtherTextEncoding } from '../files/text-encoding.js';
import type { ExecutableKind, FileFacts } from '../files/types.js';
import { formatBytes } from '../units.js';
import { checkArchiveBomb, checkArchiveEntryNames } from './archive-rules.js';
import { fail } from './rule-error.js';

/** The settings the rules judge against (config keys of the same names). */
export interface RuleConfig {
  /** Bytes. */
  maxFileSize: number;
  /** Exact types, or prefixes ending in `*` ("image/*"). */
  allowedMimeTypes: readonly string[];
  /** Lower-case with a leading dot: ".exe". */
  blockedExtensions: readonly string[];
  allowActiveContent: boolean;
  /** Types refused even when the allowlist has them (same patterns as allowedMimeTypes). */
  blockedMimeTypes?: readonly string[] | undefined;
  /** The destination whose documented list this is ("kimi:image"), for messages. */
  allowlistName?: string | undefined;
  /** Types the user allowed by name for this run: active content of these types passes. */
  explicitMimeTypes?: readonly string[] | undefined;
  /** Bytes a zip may declare unpacked in total (default DEFAULT_MAX_UNPACKED_SIZE). */
  maxUnpackedSize?: number | undefined;
}


/** One rule: an error when the file breaks it, else undefined. */
export type Rule = (facts: FileFacts, cfg: RuleConfig) => ExaiError | undefined;


/** Size is what was actually read, never what stat claimed (a /proc file says 0). */
export const checkSize: Rule = (facts, cfg) => {
  if (!facts.read.truncated && facts.size <= cfg.maxFileSize) return undefined;
  const size = facts.read.truncated && facts.size <= cfg.maxFileSize ? `more than ${formatBytes(cfg.maxFileSize)}` : formatBytes(facts.size);
  return fail(facts, 'FILE_TOO_LARGE', `${size} is over the ${formatBytes(cfg.maxFileSize)} limit.`, 'raise EXAI_MAX_FILE_SIZE or split the file');
};

/** An empty upload is always a mistake (and providers reject it). */
export const checkNotEmpty: Rule = (facts) =>
  facts.size === 0 ? fail(facts, 'FILE_EMPTY', 'the file is empty.', 'check that the file was written completely') : undefined;

/** Any dotted segment counts (`report.pdf.exe`, `a.exe.pdf`), after Windows' trailing dot/space stripping. */
export const checkBlockedExtension: Rule = (facts, cfg) => {
  const blocked = blockedSet(cfg.blockedExtensions);
  const hits = allExtensions(facts.baseName).filter((ext) => blocked.has(ext));
  if (hits.length === 0) return undefined;
  return fail(facts, 'BLOCKED_EXTENSION', `the name has the blocked extension ${hits.join(', ')}.`, 'rename the file if it really is a document, or change EXAI_BLOCKED_EXTENSIONS');
};

// One set per config, not per file: a batch of 10,000 files would otherwise build 10,000.
const blockedSets = new WeakMap<readonly string[], ReadonlySet<string>>();

function blockedSet(extensions: readonly string[]): ReadonlySet<string> {
  let set = blockedSets.get(extensions);
  if (set === undefined) {
    set = new Set(extensions.map((ext) => ext.toLowerCase()));
    blockedSets.set(extensions, set);
  }
  return set;
}

const EXECUTABLE_NAMES: Readonly<Record<ExecutableKind, string>> = {
  elf: 'an ELF executable',
  pe: 'a Windows (PE/DOS) executable',
  'mach-o': 'a Mach-O executable (or Java class)',
  wasm: 'a WebAssembly module',
  script: 'a #! script',
  java: 'a Java archive or class',
  android: 'an Android package',
  msi: 'a Windows Installer package (it runs code when opened)',
};

/** Executables are refused whatever they are called. */
export const checkNotExecutable: Rule = (facts) => {
  const kind = facts.content.executable;
  if (kind === undefined) return undefined;
  const what = EXECUTABLE_NAMES[kind];
  return fail(facts, 'EXECUTABLE_CONTENT', `the content is ${what}.`, 'executables are never uploaded; send the source or a document instead');
};

/** SVG and HTML can run script wherever they are rendered; macros run when a document opens. */
export const checkActiveContent: Rule = (facts, cfg) => {
  if (!facts.activeContent || activeAllowed(facts, cfg)) return undefined;
  if (facts.content.container?.macros === true) {
    return fail(facts, 'ACTIVE_CONTENT', 'the document carries macros (a VBA project or scripts), which run when it is opened.', 'save it without macros (e.g. as .docx, .xlsx, .pptx), or allow its type by name with --allow-mime');
  }
  return fail(facts, 'ACTIVE_CONTENT', 'SVG/HTML content can carry scripts and is not accepted.', 'convert it (e.g. to PNG or PDF), or allow its type by name with --allow-mime (or allowActiveContent in the config)');
};

// Active content passes only when allowed wholesale, or when the user named its type.
function activeAllowed(facts: FileFacts, cfg: RuleConfig): boolean {
  if (cfg.allowActiveContent) return true;
  const explicit = cfg.explicitMimeTypes;
  return explicit !== undefined && explicit.length > 0 && facts.mimeType !== undefined && isMimeAllowed(facts.mimeType, explicit);
}

/** The reported MIME type must be on the allowlist. */
export const checkMimeAllowed: Rule = (facts, cfg) => {
  const mime = facts.mimeType;
  if (mime === undefined || facts.executable) return undefined;
  if (cfg.blockedMimeTypes !== undefined && cfg.blockedMimeTypes.length > 0 && isMimeAllowed(mime, cfg.blockedMimeTypes)) {
    return fail(facts, 'MIME_NOT_ALLOWED', `the type ${mime} is on the blocked list.`, 'remove it from EXAI_BLOCKED_MIME_TYPES if it should be accepted');
  }
  // Blocked active content is ACTIVE_CONTENT's to report; allowed, its own types are fine.
  if (facts.activeContent && (!activeAllowed(facts, cfg) || ACTIVE_MIMES.has(mime))) return undefined;
  if (isMimeAllowed(mime, cfg.allowedMimeTypes)) return undefined;
  if (cfg.allowlistName !== undefined) {
    return fail(facts, 'MIME_NOT_ALLOWED', `the type ${mime} is not on the ${cfg.allowlistName} list.`, `${cfg.allowlistName} does not document it; pass --allow-mime ${mime} if it takes it anyway`);
  }
  return fail(facts, 'MIME_NOT_ALLOWED', `the type ${mime} is not on the allowed list.`, 'add it to EXAI_ALLOWED_MIME_TYPES if it should be accepted');
};

/** True when `mime` (parameters ignored) matches an entry, exactly or by a trailing-`*` prefix. */
export function isMimeAllowed(mime: string, allowed: readonly string[]): boolean {
  const semicolon = mime.indexOf(';');
  const bare = (semicolon === -1 ? mime : mime.slice(0, semicolon)).trim().toLowerCase();
  const { exact, prefixes } = mimePatterns(allowed);
  return exact.has(bare) || prefixes.some((prefix) => bare.startsWith(prefix));
}

interface MimePatterns {
  exact: ReadonlySet<string>;
  prefixes: readonly string[];
}

// Normalised once per config, not once per file (like blockedSets above).
const mimePatternSets = new WeakMap<readonly string[], MimePatterns>();

function mimePatterns(allowed: readonly string[]): MimePatterns {
  let patterns = mimePatternSets.get(allowed);
  if (patterns === undefined) {
    const normal = allowed.map((entry) => entry.trim().toLowerCase());
    patterns = { exact: new Set(normal.filter((p) => !p.endsWith('*'))), prefixes: normal.filter((p) => p.endsWith('*')).map((p) => p.slice(0, -1)) };
    mimePatternSets.set(allowed, patterns);
  }
  return patterns;
}

/** A name that promises one format while the bytes are another (a PNG named .pdf). */
export const checkExtensionMatches: Rule = (facts) => {
  const ext = facts.extension;
  if (facts.size === 0 || ext === '' || facts.executable) return undefined;
  const binaryExt = SNIFF_EXTS_BY_EXT[ext] !== undefined;
  const textExt = TEXT_MIME_BY_EXT[ext] !== undefined;
  if (facts.kind === 'binary' && (binaryExt || textExt) && !sniffMatchesExtension(facts.content, ext)) {
    const problem = facts.content.container?.problem;
    const why = problem === undefined ? '' : `: ${problem}`;
    return fail(facts, 'EXTENSION_MISMATCH', `named ${ext} but the content is ${facts.sniffedExt ?? 'binary'} (${facts.mimeType ?? 'unknown type'})${why}.`, 'rename the file to match its content');
  }
  if (facts.kind === 'text' && binaryExt && !textExt && TEXT_NAMESAKE_MIME[ext] === undefined) {
    return fail(facts, 'EXTENSION_MISMATCH', `named ${ext} but the content is plain text.`, 'rename the file to match its content');
  }
  return undefined;
};

const ENCODING_NAMES: Readonly<Record<OtherTextEncoding, string>> = {
  'utf-16': 'UTF-16',
  'utf-32': 'UTF-32',
  'legacy-8bit': 'a legacy 8-bit or double-byte encoding (Latin-1, Windows-1250, Shift JIS, …)',
};

/** No magic and not clean UTF-8: text in another encoding, a broken text file (text name), or something we can't identify. */
export const checkTextOrKnown: Rule = (facts) => {
  if (facts.kind !== 'unknown' || facts.size === 0) return undefined;
  const encoding = facts.content.textEncoding;
  if (encoding !== undefined) {
    return fail(facts, 'INVALID_TEXT', `the content looks like text in ${ENCODING_NAMES[encoding]}, not UTF-8.`, 'save it as UTF-8 (e.g. iconv -f OLD -t UTF-8, or "Save as UTF-8" in the editor)');
  }
  const why = facts.content.hasNul ? 'contains NUL bytes' : 'is not valid UTF-8';
  if (TEXT_MIME_BY_EXT[facts.extension] !== undefined) {
    return fail(facts, 'INVALID_TEXT', `the text ${why}.`, 'save it as UTF-8 (not UTF-16) without NUL bytes');
  }
  return fail(facts, 'UNKNOWN_TYPE', `the content is not a recognised format and ${why}, so it is not text either.`, 'upload a document, image or UTF-8 text file');
};

/** Every rule, in the order their errors are reported. */
export const RULES: readonly { name: string; check: Rule }[] = [
  { name: 'size', check: checkSize },
  { name: 'not-empty', check: checkNotEmpty },
  { name: 'blocked-extension', check: checkBlockedExtension },
  { name: 'not-executable', check: checkNotExecutable },
  { name: 'active-content', check: checkActiveContent },
  { name: 'archive-bomb', check: checkArchiveBomb },
  { name: 'archive-entry-names', check: checkArchiveEntryNames },
  { name: 'mime-allowed', check: checkMimeAllowed },
  { name: 'extension-matches', check: checkExtensionMatches },
  { name: 'text-or-known', check: checkTextOrKnown },
];
