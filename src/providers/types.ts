/** The one interface every file-API provider implements, and the shapes it trades in. */
import type { ProviderName } from '../core/config/types.js';

/** One purpose a provider accepts and the largest file it takes for it. */
export interface PurposeLimit {
  maxBytes: number;
  /** Where the number came from (facts/providers.md). */
  source: string;
}

/**
 * The bytes of one opened file, in order. A chunk may be overwritten once the next one is
 * asked for (two buffers serve the whole file): send or write each chunk before asking again.
 */
export interface BodyReader extends AsyncIterable<Buffer> {
  /** Release the file; safe before, during or after reading, and more than once. */
  close(): Promise<void>;
}

/** A file body that can be produced again for every attempt (a read can't be replayed). */
export interface UploadBody {
  /** Open (again) and re-verify the file; the reader yields exactly `size` bytes. */
  open(): Promise<BodyReader>;
  size: number;
  filename: string;
  mimeType: string;
  /**
   * When the content's hash is not known yet, a body may hash what it reads: then this gives
   * the SHA-256 of the last read that reached the end (and passed its checks).
   */
  completedSha256?(): string | undefined;
}

export interface UploadRequest {
  body: UploadBody;
  purpose: string;
  /** The validated content's hash; undefined when it is computed while this upload reads the file. */
  sha256?: string | undefined;
  signal?: AbortSignal | undefined;
  /** Called with the number of bytes sent so far. */
  onProgress?: ((sentBytes: number) => void) | undefined;
}

/** A file as the provider describes it. */
export interface RemoteFile {
  id: string;
  bytes: number;
  filename: string;
  purpose: string;
  /** Unix seconds. */
  createdAt: number;
  status?: string | undefined;
}

export interface DeleteResult {
  /** True when the provider no longer had the file (404): not an error for rm. */
  alreadyGone: boolean;
}

export interface ListOptions {
  purpose?: string | undefined;
  limit?: number | undefined;
  signal?: AbortSignal | undefined;
}

/** A provider of a file API. One attempt per call: retries live in core/resilience.ts. */
export interface Provider {
  readonly name: ProviderName;
  /** Purposes accepted, with their size limit; the first one listed is not the default. */
  readonly purposes: Readonly<Record<string, PurposeLimit>>;
  readonly defaultPurpose: string;
  /**
   * The limit for a purpose, or undefined when it is not accepted. Optional: providers whose
   * `purposes` table is complete need not define it; `local` accepts any purpose this way.
   * Call through `purposeLimitOf()` (providers/purposes.ts).
   */
  limitFor?(purpose: string): PurposeLimit | undefined;
  /** True when credentials are present (local: always). */
  isConfigured(): boolean;
  upload(request: UploadRequest): Promise<RemoteFile>;
  list(options?: ListOptions): Promise<RemoteFile[]>;
  delete(fileId: string, signal?: AbortSignal): Promise<DeleteResult>;
  /**
   * The text the provider extracted from a file (`GET {base}/files/{id}/content`); local
   * returns a text file as it is. Optional: a provider without it can't serve `exai content`.
   */
  content?(fileId: string, signal?: AbortSignal): Promise<string>;
}
