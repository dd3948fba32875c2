/**
 * The Context: built once per run in main.ts and handed to every command. Expensive parts
 * (catalog, providers, HTTP dispatcher) are created on first use, so `validate` never loads
 * SQLite and `--version` loads nothing at all.
 */
import os from 'node:os';
import type { Dispatcher } from 'undici';
import type { Catalog } from '../catalog/types.js';
import type { Config } from '../core/config/types.js';
import type { LoadedConfig } from '../core/config/load.js';
import { createRecorder, type MetricsRecorder } from '../core/metrics/recorder.js';
import type { ProviderRegistry } from '../providers/registry.js';
import type { Output } from './output.js';

/** Time, injectable so tests never really sleep. */
export interface Clock {
  now(): number;
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

/** The real clock. */
export const systemClock: Clock = {
  now: () => Date.now(),
  sleep: (ms, signal) =>
    new Promise((resolve, reject) => {
      if (signal?.aborted) return reject(signal.reason as Error);
      const timer = setTimeout(() => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      }, ms);
      const onAbort = () => {
        clearTimeout(timer);
        reject(signal?.reason as Error);
      };
      signal?.addEventListener('abort', onAbort, { once: true });
    }),
};

export interface Context {
  config: Config;
  loaded: LoadedConfig;
  output: Output;
  clock: Clock;
  cwd: string;
  /** Who owns catalog rows in the embedded mode: the local OS user. */
  userId: string;
  /** Aborted on SIGINT. */
  signal: AbortSignal;
  /** This run's metrics; added to the totals (and exported when configured) at close(). */
  metrics: MetricsRecorder;
  catalog(): Promise<Catalog>;
  providers(): Promise<ProviderRegistry>;
  dispatcher(): Promise<Dispatcher>;
  /** Ask a yes/no question on a TTY; false when there is none. */
  confirm(question: string): Promise<boolean>;
  /** Release what was opened (catalog, sockets). */
  close(): Promise<void>;
}

/** What a test (or bin/exai.js) can inject. */
export interface ContextOverrides {
  catalog?: () => Promise<Catalog>;
  providers?: () => Promise<ProviderRegistry>;
  dispatcher?: () => Promise<Dispatcher>;
  confirm?: (question: string) => Promise<boolean>;
  userId?: string;
}

interface BuildInput {
  loaded: LoadedConfig;
  output: Output;
  clock: Clock;
  cwd: string;
  signal: AbortSignal;
  overrides: ContextOverrides;
}

/** Assemble a Context whose heavy parts load on first use. */
export function buildContext(input: BuildInput): Context {
  const { loaded, overrides } = input;
  const config = loaded.config;
  const closers: Array<() => Promise<void>> = [];
  const metrics = createRecorder();
  const catalog = memoize(
    overrides.catalog ??
      (async () => {
        const { openSqliteCatalog } = await import('../catalog/sqlite.js');
        const opened = await openSqliteCatalog({ dir: config.dirs.data });
        closers.push(() => opened.close());
        return opened;
      }),
  );
  const dispatcher = memoize(
    overrides.dispatcher ??
      (async () => {
        const { createDispatcher } = await import('../core/http.js');
        const created = createDispatcher(config.http);
        closers.push(() => created.close());
        return created;
      }),
  );
  const providers = memoize(
    overrides.providers ??
      (async () => {
        const { createProviderRegistry } = await import('../providers/registry.js');
        // The HTTP stack loads only when a provider actually sends a request.
        return createProviderRegistry({ config, dispatcher });
      }),
  );
  return {
    config,
    loaded,
    output: input.output,
    clock: input.clock,
    cwd: input.cwd,
    userId: overrides.userId ?? currentUser(),
    signal: input.signal,
    metrics,
    catalog,
    providers,
    dispatcher,
    confirm: overrides.confirm ?? ((q) => askOnTty(input.output, q)),
    close: async () => {
      await flushRunMetrics(metrics, config, input.output);
      for (const close of closers.reverse()) await close().catch(() => undefined);
    },
  };
}

function memoize<T>(factory: () => Promise<T>): () => Promise<T> {
  let value: Promise<T> | undefined;
  return () => (value ??= factory());
}

function currentUser(): string {
  try {
    return os.userInfo().username;
  } catch {
    return `uid-${process.getuid?.() ?? 'unknown'}`;
  }
}

async function askOnTty(output: Output, question: string): Promise<boolean> {
  if (!output.streams.stdinIsTTY || !output.streams.stderrIsTTY) return false;
  const { createInterface } = await import('node:readline/promises');
  const rl = createInterface({ input: process.stdin, output: output.streams.stderr });
  try {
    const answer = await rl.question(`${question} [y/N] `);
    return /^y(es)?$/i.test(answer.trim());
  } finally {
    rl.close();
  }
}

/** Metrics never fail a command: a problem writing them is a warning. */
async function flushRunMetrics(metrics: MetricsRecorder, config: Config, output: Output): Promise<void> {
  if (metrics.isEmpty()) return;
  try {
    const { flushMetrics } = await import('../core/metrics/export.js');
    await flushMetrics(metrics, { stateDir: config.dirs.state, metricsFile: config.metricsFile, pushgatewayUrl: config.pushgatewayUrl });
  } catch (error) {
    output.warn(`metrics not recorded: ${(error as Error).message}`);
  }
}
