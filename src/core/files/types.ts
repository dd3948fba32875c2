/** Shapes shared by safe open, sniffing, hashing and the validation rules. */
import type { FileHandle } from 'node:fs/promises';

/** What `lstat` + `fstat` proved about a file at the moment it was opened. */
export interface FileIdentity {
  dev: bigint;
  ino: bigint;
  size: bigint;
  mtimeNs: bigint;
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
  /** True when every byte was valid UTF-8 (only meaningful when not truncated). */
  validUtf8: boolean;
  /** True when a NUL byte was seen. */
  hasNul: boolean;
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
  read: ReadPassResult;
}
