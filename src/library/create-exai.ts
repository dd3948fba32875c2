/**
 * The library front end: `createExai()` gives a program the same operations as the CLI,
 * over the same core, returning the same shapes as the CLI's `--json`. It never prints,
 * never reads stdin, never exits and never sets process.exitCode; failures are ExaiError.
 */
import os from 'node:os';
import type { Config } from '../core/config/types.js';
import { createRuntime, systemClock, type Runtime } from '../core/runtime.js';
import type { GcJson } from '../core/ops/gc.js';
import type { ContentJson, QuotaJson, RecordJson, RemoveRow, UploadRow, ValidationReport } from '../core/ops/results.js';
import { choiceArg, closedError, countArg, guarded, objectArg, PROVIDERS, STATUSES, stringsArg, throwIfAborted, timeArg } from './checks.js';
import { uploadEventsFor, type ProgressListener } from './progress.js';
import type { CallOptions, Exai, ExaiOptions, GcCallOptions, ListFilter, RemoveCallOptions, UploadCallOptions, ValidateCallOptions } from './types.js';

export type { CallOptions, Exai, ExaiOptions, GcCallOptions, ListFilter, RemoveCallOptions, UploadCallOptions, ValidateCallOptions } from './types.js';

/** Load config (defaults → config file → environment → `options.config`) and return an instance. */
export async function createExai(options: ExaiOptions = {}): Promise<Exai> {
  objectArg(options, 'createExai() options');
  if (options.config !== undefined) objectArg(options.config, 'options.config');
  const { loadConfig } = await import('../core/config/load.js');
  const cwd = options.cwd ?? process.cwd();
  const loaded = await loadConfig({ env: options.env ?? process.env, cwd, home: options.home ?? os.homedir(), program: options.config });
  const rt = createRuntime({ loaded, clock: systemClock, cwd, signal: options.signal ?? new AbortController().signal, overrides: options.overrides ?? {} });
  return new LibraryExai(rt, options.onProgress);
}

class LibraryExai implements Exai {
  private closing: Promise<void> | undefined;
  private readonly running = new Set<Promise<unknown>>();

  constructor(
    private readonly rt: Runtime,
    private readonly onProgress: ProgressListener | undefined,
  ) {}

  get config(): Config {
    return this.rt.config;
  }

  async validate(paths: string | readonly string[], opts: ValidateCallOptions = {}): Promise<ValidationReport[]> {
    const inputs = stringsArg(paths, 'paths');
    return this.run(opts.signal, async (rt) => {
      const { validateFiles } = await import('../core/ops/validate-files.js');
      const listener = guarded(opts.onProgress ?? this.onProgress);
      const result = await validateFiles(rt, inputs, {
        ...opts,
        onProgress: listener && ((done, total) => listener({ type: 'validate', done, total })),
        onWarning: listener && ((message) => listener({ type: 'notice', message })),
      });
      return result.reports;
    });
  }

  async upload(paths: string | readonly string[], opts: UploadCallOptions = {}): Promise<UploadRow[]> {
    const inputs = stringsArg(paths, 'paths');
    const provider = choiceArg(opts.provider, 'provider', PROVIDERS);
    countArg(opts.concurrency, 'concurrency', 1);
    return this.run(opts.signal, async (rt) => {
      const { uploadFiles } = await import('../core/ops/upload-files.js');
      const { outcomeRow, rejectedRow } = await import('../core/ops/results.js');
      const listener = guarded(opts.onProgress ?? this.onProgress);
      const result = await uploadFiles(rt, inputs, {
        ...opts,
        provider,
        onValidated: listener && ((done, total) => listener({ type: 'validate', done, total })),
        onNotice: listener && ((message) => listener({ type: 'notice', message })),
        events: uploadEventsFor(listener),
      });
      return result.kind === 'rejected' ? result.reports.map(rejectedRow) : result.outcomes.map(outcomeRow);
    });
  }

  async content(ref: string, opts: CallOptions = {}): Promise<ContentJson> {
    const [one] = stringsArg(ref, 'ref');
    return this.run(opts.signal, async (rt) => {
      const { getContent } = await import('../core/ops/content.js');
      return getContent(rt, one!);
    });
  }

  async list(filter: ListFilter = {}): Promise<RecordJson[]> {
    const checked = {
      provider: choiceArg(filter.provider, 'provider', PROVIDERS),
      status: choiceArg(filter.status, 'status', STATUSES),
      since: timeArg(filter.since, 'since'),
      limit: countArg(filter.limit, 'limit', 1),
    };
    return this.run(undefined, async (rt) => {
      const { listFiles } = await import('../core/ops/catalog-ops.js');
      const { recordToJson } = await import('../core/ops/results.js');
      return (await listFiles(rt, checked)).map(recordToJson);
    });
  }

  async remove(refs: string | readonly string[], opts: RemoveCallOptions = {}): Promise<RemoveRow[]> {
    const inputs = stringsArg(refs, 'refs');
    return this.run(opts.signal, async (rt) => {
      const { removeFiles } = await import('../core/ops/remove-files.js');
      return (await removeFiles(rt, inputs, { dryRun: opts.dryRun })).rows;
    });
  }

  async quota(): Promise<QuotaJson> {
    return this.run(undefined, async (rt) => {
      const { getQuota } = await import('../core/ops/catalog-ops.js');
      return getQuota(rt);
    });
  }

  async gc(opts: GcCallOptions = {}): Promise<GcJson> {
    choiceArg(opts.provider, 'provider', PROVIDERS);
    return this.run(opts.signal, async (rt) => {
      const gc = await import('../core/ops/gc.js');
      const { checkDeleteLimit } = await import('../core/lifecycle/index.js');
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
    });
  }

  close(): Promise<void> {
    // Calls still running finish first: closing the catalog under an upload would strand its row.
    this.closing ??= Promise.allSettled([...this.running]).then(() => this.rt.close());
    return this.closing;
  }

  /** One call: refused once closed or already aborted, tracked so close() can wait for it. */
  private async run<T>(signal: AbortSignal | undefined, fn: (rt: Runtime) => Promise<T>): Promise<T> {
    if (this.closing !== undefined) throw closedError();
    const rt = signal === undefined ? this.rt : { ...this.rt, signal: AbortSignal.any([this.rt.signal, signal]) };
    throwIfAborted(rt.signal);
    const call = fn(rt);
    this.running.add(call);
    try {
      return await call;
    } finally {
      this.running.delete(call);
    }
  }
}
