/** What a library caller passes and gets: the options of createExai() and of each call. */
import type { FileStatus } from '../catalog/types.js';
import type { Config, ProviderName } from '../core/config/types.js';
import type { RuntimeOverrides } from '../core/runtime.js';
import type { GcJson } from '../core/ops/gc.js';
import type { ContentJson, QuotaJson, RecordJson, RemoveRow, UploadRow, ValidationReport } from '../core/ops/results.js';
import type { ProgressListener } from './progress.js';

/** How createExai() finds its config and where it works. */
export interface ExaiOptions {
  /** Where relative paths start, and the default allowed root. Default: process.cwd(). */
  cwd?: string;
  /** The environment to read config from. Default: process.env. */
  env?: Record<string, string | undefined>;
  home?: string;
  /** Config values on top of defaults, config file and environment: `{ maxFileSize: '10MB', kimi: { apiKey } }`. */
  config?: Record<string, unknown>;
  /** Cancels every call made through this instance. */
  signal?: AbortSignal;
  onProgress?: ProgressListener;
  /** For tests and embedders: catalog, providers, dispatcher, user id. */
  overrides?: RuntimeOverrides;
}

/** Options every call takes. */
export interface CallOptions {
  signal?: AbortSignal;
  onProgress?: ProgressListener;
}

/** Options of validate(). */
export interface ValidateCallOptions extends CallOptions {
  maxSize?: string;
  allowMime?: readonly string[];
  blockExt?: readonly string[];
}

/** Options of upload(). */
export interface UploadCallOptions extends CallOptions {
  provider?: ProviderName;
  purpose?: string;
  concurrency?: number;
  dryRun?: boolean;
  failFast?: boolean;
}

/** Which catalog rows list() returns. */
export interface ListFilter {
  provider?: ProviderName;
  status?: FileStatus;
  /** Only rows created at or after this. */
  since?: Date | number;
  limit?: number;
}

/** Options of remove(). */
export interface RemoveCallOptions extends CallOptions {
  dryRun?: boolean;
}

/** Options of gc(). */
export interface GcCallOptions extends CallOptions {
  /** Default true: plan only. Deleting needs `dryRun: false` and `yes: true`, both said in code. */
  dryRun?: boolean;
  yes?: boolean;
  /** Retention in ms (default: config retentionDays); 0 or less must be given here explicitly. */
  olderThanMs?: number;
  provider?: ProviderName;
  onlyFailed?: boolean;
  orphans?: boolean;
  /** Refuse (DELETE_LIMIT_EXCEEDED) when more than this would be deleted. */
  maxDelete?: number;
  /** Default true: wait up to lockTimeout while another gc holds the gc lock; false: LOCK_TIMEOUT at once. */
  wait?: boolean;
}

/** An exai instance: config loaded once, catalog and connections kept open until close(). */
export interface Exai {
  readonly config: Config;
  validate(paths: string | readonly string[], opts?: ValidateCallOptions): Promise<ValidationReport[]>;
  /** Rows per file; when any file is invalid nothing is sent and rows say `rejected`/`skipped`. */
  upload(paths: string | readonly string[], opts?: UploadCallOptions): Promise<UploadRow[]>;
  content(ref: string, opts?: CallOptions): Promise<ContentJson>;
  list(filter?: ListFilter): Promise<RecordJson[]>;
  remove(refs: string | readonly string[], opts?: RemoveCallOptions): Promise<RemoveRow[]>;
  quota(): Promise<QuotaJson>;
  /** gc as `exai gc --json` reports it: a plan by default, deletions only with `dryRun: false, yes: true`. */
  gc(opts?: GcCallOptions): Promise<GcJson>;
  /** Refuse new calls, wait for the running ones, then close the catalog and connections. Calls after it fail with USAGE. */
  close(): Promise<void>;
}
