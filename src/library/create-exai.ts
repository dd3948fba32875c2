/**
 * The library front end: `createExai()` gives a program the same operations as the CLI,
 * over the same core, returning the same shapes as the CLI's `--json`. It never prints,
 * never reads stdin, never exits and never sets process.exitCode; failures are ExaiError.
 */
import os from 'node:os';
import type { FileStatus } from '../catalog/types.js';
import type { Config, ProviderName } from '../core/config/types.js';
import { createRuntime, systemClock, type Runtime, type RuntimeOverrides } from '../core/runtime.js';
import type { GcJson } from '../core/ops/gc.js';
import type { ContentJson, QuotaJson, RecordJson, RemoveRow, UploadRow, ValidationReport } from '../core/ops/results.js';
import { uploadEventsFor, type ProgressListener } from './progress.js';

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

export interface ValidateCallOptions extends CallOptions {
  maxSize?: string;
  allowMime?: readonly string[];
  blockExt?: readonly string[];
}

export interface UploadCallOptions extends CallOptions {
  provider?: ProviderName;
  purpose?: string;
  concurrency?: number;
  dryRun?: boolean;
  failFast?: boolean;
}

export interface ListFilter {
  provider?: ProviderName;
  status?: FileStatus;
  /** Only rows created at or after this. */
  since?: Date | number;
  limit?: number;
}

export interface RemoveCallOptions extends CallOptions {
  dryRun?: boolean;
}

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
  close(): Promise<void>;
}

/** Load config (defaults → config file → environment → `options.config`) and return an instance. */
export async function createExai(options: ExaiOptions = {}): Promise<Exai> {
  const { loadConfig } = await import('../core/config/load.js');
  const cwd = options.cwd ?? process.cwd();
  const loaded = await loadConfig({ env: options.env ?? process.env, cwd, home: options.home ?? os.homedir(), program: options.config });
  const rt = createRuntime({ loaded, clock: systemClock, cwd, signal: options.signal ?? new AbortController().signal, overrides: options.overrides ?? {} });
  return new LibraryExai(rt, options.onProgress);
}

class LibraryExai implements Exai {
  constructor(
    private readonly rt: Runtime,
    private readonly onProgress: ProgressListener | undefined,
  ) {}

  get config(): Config {
    return this.rt.config;
  }

  async validate(paths: string | readonly string[], opts: ValidateCallOptions = {}): Promise<ValidationReport[]> {
    const { validateFiles } = await import('../core/ops/validate-files.js');
    const listener = opts.onProgress ?? this.onProgress;
    const result = await validateFiles(this.scoped(opts.signal), list(paths), {
      ...opts,
      onProgress: listener && ((done, total) => listener({ type: 'validate', done, total })),
      onWarning: listener && ((message) => listener({ type: 'notice', message })),
    });
    return result.reports;
  }

  async upload(paths: string | readonly string[], opts: UploadCallOptions = {}): Promise<UploadRow[]> {
    const { uploadFiles } = await import('../core/ops/upload-files.js');
    const { outcomeRow, rejectedRow } = await import('../core/ops/results.js');
    const listener = opts.onProgress ?? this.onProgress;
    const result = await uploadFiles(this.scoped(opts.signal), list(paths), {
      ...opts,
      onValidated: listener && ((done, total) => listener({ type: 'validate', done, total })),
      onNotice: listener && ((message) => listener({ type: 'notice', message })),
      events: uploadEventsFor(listener),
    });
    return result.kind === 'rejected' ? result.reports.map(rejectedRow) : result.outcomes.map(outcomeRow);
  }

  async content(ref: string, opts: CallOptions = {}): Promise<ContentJson> {
    const { getContent } = await import('../core/ops/content.js');
    return getContent(this.scoped(opts.signal), ref);
  }

  async list(filter: ListFilter = {}): Promise<RecordJson[]> {
    const { listFiles } = await import('../core/ops/catalog-ops.js');
    const { recordToJson } = await import('../core/ops/results.js');
    const since = filter.since instanceof Date ? filter.since.getTime() : filter.since;
    return (await listFiles(this.rt, { ...filter, since })).map(recordToJson);
  }

  async remove(refs: string | readonly string[], opts: RemoveCallOptions = {}): Promise<RemoveRow[]> {
    const { removeFiles } = await import('../core/ops/remove-files.js');
    return (await removeFiles(this.scoped(opts.signal), list(refs), { dryRun: opts.dryRun })).rows;
  }

  async quota(): Promise<QuotaJson> {
    const { getQuota } = await import('../core/ops/catalog-ops.js');
    return getQuota(this.rt);
  }

  async gc(opts: GcCallOptions = {}): Promise<GcJson> {
    const gc = await import('../core/ops/gc.js');
    const { checkDeleteLimit } = await import('../core/lifecycle/index.js');
    const rt = this.scoped(opts.signal);
    const deleting = opts.dryRun === false && opts.yes === true;
    const run = async (): Promise<GcJson> => {
      const planned = await gc.planGarbage(rt, opts);
      checkDeleteLimit(planned.plan, opts.maxDelete);
      return gc.gcToJson(planned.plan, deleting ? await gc.applyGarbage(rt, planned) : undefined);
    };
    if (!deleting) return run();
    // As `exai gc`: one deleting gc at a time per catalog; a plan needs no lock.
    const { withGcLock } = await import('../core/ops/gc-lock.js');
    return withGcLock(rt, { wait: opts.wait !== false }, run);
  }

  close(): Promise<void> {
    return this.rt.close();
  }

  /** The runtime with this call's signal joined to the instance's. */
  private scoped(signal: AbortSignal | undefined): Runtime {
    if (signal === undefined) return this.rt;
    return { ...this.rt, signal: AbortSignal.any([this.rt.signal, signal]) };
  }
}

function list(value: string | readonly string[]): readonly string[] {
  return typeof value === 'string' ? [value] : value;
}
