/** Shapes shared by safe open, sniffing, hashing and the validation rules. */
import type { FileHandle } from 'node:fs/promises';
import type { OtherTextEncoding } from './text-encoding.js';

/** What `lstat` + `fstat` proved about a file at the moment it was opened. */
export interface FileIdentity {
  dev: bigint;
  ino: bigint;
  size: bigint;
  mtimeNs: bigint;
  /** Status-change time: users cannot set it (unlike mtime), so the hash cache keys on it. */
  ctimeNs: bigint;
  nlink: bigint;
}

/** Rules for which paths may be opened. */
export interface PathPolicy {
  /** Absolute, realpath'd roots. */
  roots: readonly string[];
  allowExternal: boolean;
  allowHardlinks: boolean;
  /** Directory that relative inputs are resolved against. */
  cwd: string;
}

/** A file opened by safeOpen: read only through `handle`. */
export interface OpenedFile {
  /** The path as the user gave it (for messages). */
  displayPath: string;
  /** The canonical path that was checked and opened. */
  realPath: string;
  handle: FileHandle;
  identity: FileIdentity;
}

/** What one read pass over a file learned: bytes counted, hash, head for sniffing. */
export interface ReadPassResult {
  /** Bytes actually read (not stat.size). */
  bytesRead: number;
  /** Hex SHA-256, or undefined when the pass stopped early at the size cap. */
  sha256: string | undefined;
  /** The first bytes (up to the sniff window) for magic-number detection. */
  head: Buffer;
  /** True when reading stopped because the size cap was passed. */
  truncated: boolean;
  /**
   * True when every byte read was valid UTF-8 (only meaningful when not truncated). False
   * as soon as the content is known not to be text: checking stops there (binary files pay
   * only for hashing).
   */
  validUtf8: boolean;
  /** True when a NUL byte was seen (searching stops once the content is known not to be text). */
  hasNul: boolean;
}

/** Executable formats recognised by magic bytes (or, for an installer, by its compound-file directory). */
export type ExecutableKind = 'elf' | 'pe' | 'mach-o' | 'wasm' | 'script' | 'java' | 'android' | 'msi';

/** What a zip's central directory or a compound file's directory says, read by structure. */
export interface ContainerFacts {
  kind: 'zip' | 'cfb';
  /** The format the directory proves (docx, docm, xlsx, odt, epub, doc, xls, ppt, msg, msi, …); 'zip'/'cfb' when none. */
  format: string;
  mime: string;
  /** A VBA project or document scripts inside: active content. */
  macros: boolean;
  /** Entry names with a `..` segment, or absolute or drive paths (the first few). */
  unsafeNames: string[];
  /** Sum of the declared uncompressed sizes (zip; 0 for a compound file). */
  declaredBytes: number;
  /** Sum of the declared compressed sizes (zip; 0 for a compound file). */
  storedBytes: number;
  /** More entries than any document has: reported as a bomb, not walked. */
  tooManyEntries: boolean;
  /** Why the directory could not be read, or which document part is missing. */
  problem?: string;
}

/**
 * Ranges of the file that validation read past its first pass (container directories, tags
 * past the head): `spans` holds offset, length pairs in file order, disjoint, and `sha256`
 * hashes their bytes in that order. The upload proves it sends these very bytes.
 */
export interface ReadRegions {
  spans: number[];
  sha256: string;
}

/** Root element of markup found at the start of a text file, or markup embedded in XML. */
export type MarkupKind = 'svg' | 'html' | 'embedded';

/** What the bytes of a file say, independent of its name: all a hash-cache hit has to supply. */
export interface ContentFacts {
  /** Hex SHA-256; undefined when the read stopped at the size cap. */
  sha256: string | undefined;
  sniffedMime: string | undefined;
  sniffedExt: string | undefined;
  /** ELF, PE, Mach-O (or Java class), wasm, #! script, jar or apk; undefined when none. */
  executable: ExecutableKind | undefined;
  validUtf8: boolean;
  hasNul: boolean;
  /** SVG/HTML root element, or <svg>/<script>/XHTML embedded somewhere in the head. */
  markup: MarkupKind | undefined;
  /** True when the sniff window held the whole file (a zip seen whole is not a .docx). */
  headIsWholeFile: boolean;
  /** Not UTF-8 but text in this encoding, by its head: words a rejection, never accepts. */
  textEncoding?: OtherTextEncoding | undefined;
  /** The container's directory, for zip and compound files (read past the head when needed). */
  container?: ContainerFacts | undefined;
  /** What the structure checks read at random: a judgement the upload must re-check. */
  regions?: ReadRegions | undefined;
}

/** The facts about a file that validation rules judge. */
export interface FileFacts {
  displayPath: string;
  realPath: string;
  /** Lower-case final extension with dot, e.g. ".pdf"; "" when none. */
  extension: string;
  /** The base name as given (before normalisation), for double-extension checks. */
  baseName: string;
  size: number;
  /** MIME from magic bytes (file-type), undefined when none matched. */
  sniffedMime: string | undefined;
  /** The extension file-type associates with the sniffed content. */
  sniffedExt: string | undefined;
  /** The MIME we will report and upload as (sniffed, or from the extension for text). */
  mimeType: string | undefined;
  /** True when the content is an executable format (ELF, PE, Mach-O, #! script). */
  executable: boolean;
  /** True for SVG/HTML (by name, sniff or leading markup): can run script when rendered. */
  activeContent: boolean;
  /** How the type was decided: magic bytes, text (no magic, or a weak magic hit overruled by valid text), or neither. */
  kind: 'binary' | 'text' | 'unknown';
  /** Content facts (from the read pass, or from the hash cache). */
  content: ContentFacts;
  /** The read pass; on a hash-cache hit it is rebuilt from the cache and `head` is empty. */
  read: ReadPassResult;
}
