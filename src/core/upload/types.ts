/** The shapes the upload pipeline (DESIGN.md §1, steps 4-10) trades in. */
import type { Archive } from '../archive.js';
import type { Catalog } from '../../catalog/types.js';
import type { Config, ProviderName } from '../config/types.js';
import type { ExaiError } from '../errors.js';
import type { HashCache } from '../files/hash-cache.js';
import type { FileFacts, FileIdentity, PathPolicy } from '../files/types.js';
import type { LockOwner } from '../lock/index.js';
import type { BreakerStore, RetryClock, RetryInfo } from '../resilience.js';
import type { ProviderRegistry } from '../../providers/registry.js';
import type { MetricsSink } from '../metrics/recorder.js';

/** A file that passed validation: what upload needs to know about it. */
export interface ValidatedFile {
  displayPath: string;
  facts: FileFacts;
  identity: FileIdentity;
  /** undefined: a big binary file validated from its head, hashed later (hash-later.ts). */
  sha256: string | undefined;
}

/** Things that happen during an upload, for progress lines and notices. */
export interface UploadEvents {
  /** The provider took the file but the archive copy failed (the upload still counts). */
  onArchiveFailed?(file: ValidatedFile, error: ExaiError): void;
  onProgress?(file: ValidatedFile, sentBytes: number): void;
  onRetry?(file: ValidatedFile, provider: ProviderName, info: RetryInfo): void;
  onLockWait?(file: ValidatedFile, holder: LockOwner): void;
  onFallback?(file: ValidatedFile, from: ProviderName, error: ExaiError): void;
  onReconciled?(file: ValidatedFile, rowId: string): void;
  /** A crashed run's upload was found at the provider and recorded instead of sending again. */
  onAdopted?(file: ValidatedFile, providerFileId: string): void;
}

/** Everything the pipeline uses from outside: injected, so tests run it in-process. */
export interface UploadDeps {
  config: Pick<Config, 'retry' | 'http' | 'leaseMs' | 'lockTimeoutMs' | 'quotaBytes' | 'dirs'>;
  catalog: Catalog;
  registry: ProviderRegistry;
  breaker: BreakerStore;
  clock: RetryClock;
  userId: string;
  policy: PathPolicy;
  /** True when every writer to this catalog takes the same lockfiles (embedded SQLite). */
  locksCoverCatalog: boolean;
  signal?: AbortSignal | undefined;
  events?: UploadEvents | undefined;
  /** Where hashes learnt during upload are remembered for the next run; optional. */
  hashCache?: HashCache | undefined;
  /** Shared backend: a copy of each uploaded file is kept here (core/archive.ts). */
  archive?: Archive | undefined;
  /** Where attempts, bytes, durations and lock waits are counted; optional. */
  metrics?: MetricsSink | undefined;
}

/** What the user asked for. */
export interface UploadOptions {
  /** --provider or the configured preference. */
  preferred?: ProviderName | undefined;
  /** An explicit --provider: no fallback to another provider. */
  strict: boolean;
  /** undefined → each provider's default. */
  purpose?: string | undefined;
  dryRun: boolean;
  /** Sizes two files of the batch share: those files are hashed before upload (hash-later.ts). */
  hashFirstSizes?: ReadonlySet<number> | undefined;
}

export type UploadStatus = 'uploaded' | 'deduplicated' | 'would-upload' | 'failed' | 'skipped';

/** The result for one file: the `--json` row before renaming to snake_case. */
export interface UploadOutcome {
  path: string;
  /** null only when a file hashed while uploading failed before its hash was known. */
  sha256: string | null;
  size: number;
  mimeType: string;
  provider: ProviderName | null;
  purpose: string | null;
  fileId: string | null;
  deduplicated: boolean;
  status: UploadStatus;
  error?: ExaiError | undefined;
  /** Providers tried before this one, and why they were passed over. */
  fellBackFrom?: Array<{ provider: ProviderName; reason: string }> | undefined;
}
