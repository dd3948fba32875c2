/**
 * The Runtime: what every front end (CLI, library, MCP server) hands the core. Built once,
 * its expensive parts (catalog, providers, HTTP dispatcher) opened on first use and kept
 * open until close(), so `validate` never loads SQLite and one MCP session reuses them all.
 */
import os from 'node:os';
import type { Dispatcher } from 'undici';
import type { UserAuth } from '../auth/session.js';
import type { Catalog } from '../catalog/types.js';
import type { Archive } from './archive.js';
import type { LoadedConfig } from './config/load.js';
import type { Config } from './config/types.js';
import { createRecorder, type MetricsRecorder } from './metrics/recorder.js';
import type { ProviderRegistry } from '../providers/registry.js';

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

export interface Runtime {
  config: Config;
  loaded: LoadedConfig;
  clock: Clock;
  cwd: string;
  /** Who owns catalog rows in the embedded mode: the local OS user. */
  userId: string;
  /** Aborted on SIGINT (CLI) or by the caller's AbortSignal (library). */
  signal: AbortSignal;
  /** What this runtime's work adds to the metrics; added to the totals (and exported when configured) at close(). */
  metrics: MetricsRecorder;
  /** True when SUPABASE_URL is set: the catalog, quota and archive are the shared backend's. */
  shared: boolean;
  /** The signed-in user of the shared backend (AUTH_REQUIRED when none); only when `shared`. */
  sharedAuth(): Promise<UserAuth>;
  /** The shared backend's archive (Supabase Storage); undefined in embedded mode. */
  archive(): Promise<Archive | undefined>;
  catalog(): Promise<Catalog>;
  providers(): Promise<ProviderRegistry>;
  dispatcher(): Promise<Dispatcher>;
  /** Record the metrics, then release what was opened (catalog, sockets). */
  close(): Promise<void>;
}

/** What a test, the library or bin/exai.js can inject. */
export interface RuntimeOverrides {
  catalog?: () => Promise<Catalog>;
  /** Replaces the global fetch for Supabase requests (tests count them). */
  supabaseFetch?: typeof fetch;
  providers?: () => Promise<ProviderRegistry>;
  dispatcher?: () => Promise<Dispatcher>;
  userId?: string;
}

export interface RuntimeInput {
  loaded: LoadedConfig;
  clock: Clock;
  cwd: string;
  signal: AbortSignal;
  overrides: RuntimeOverrides;
  /** Told when something worth saying fails without failing the run (metrics not recorded). */
  onWarning?: ((message: string) => void) | undefined;
  /** Told each shared-backend session token the run holds (for a redactor that outlives the login). */
  onSecret?: ((secret: string) => void) | undefined;
}

/** Assemble a Runtime whose heavy parts load on first use. */
export function createRuntime(input: RuntimeInput): Runtime {
  const { loaded, overrides } = input;
  const config = loaded.config;
  const closers: Array<() => Promise<void>> = [];
  const metrics = createRecorder();
  const shared = config.supabaseUrl !== undefined && config.supabaseUrl !== '';
  const sharedAuth = memoize(async () => {
    const { authSettingsFrom } = await import('../auth/settings.js');
    const { openUserAuth } = await import('../auth/session.js');
    return openUserAuth({ ...authSettingsFrom(config, overrides.supabaseFetch, dispatcher, input.signal), onSecret: input.onSecret });
  });
  const archive = memoize(async () => {
    if (!shared) return undefined;
    const { authSettingsFrom } = await import('../auth/settings.js');
    const { createSupabaseArchive } = await import('../catalog/supabase-archive.js');
    return createSupabaseArchive(await sharedAuth(), authSettingsFrom(config, overrides.supabaseFetch, dispatcher, input.signal));
  });
  const catalog = memoize(overrides.catalog ?? (() => (shared ? openSharedCatalog(sharedAuth) : openCatalog(config, closers))));
  const dispatcher = memoize(
    overrides.dispatcher ??
      (async () => {
        const { createDispatcher, destroyDispatcher } = await import('./http.js');
        const created = createDispatcher(config.http);
        // destroy, not close: close waits for every queued request, and one whose deadline
        // fired while its connect hung stays queued until the connect times out.
        closers.push(() => destroyDispatcher(created));
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
    clock: input.clock,
    cwd: input.cwd,
    userId: overrides.userId ?? currentUser(),
    signal: input.signal,
    metrics,
    shared,
    sharedAuth,
    archive,
    catalog,
    providers,
    dispatcher,
    close: async () => {
      await flushRunMetrics(metrics, config, input.onWarning);
      for (const close of closers.splice(0).reverse()) await close().catch(() => undefined);
    },
  };
}

/** SUPABASE_URL set: the shared catalog, as the signed-in user (service keys are refused there). */
async function openSharedCatalog(auth: () => Promise<UserAuth>): Promise<Catalog> {
  const { SupabaseCatalog } = await import('../catalog/supabase.js');
  return new SupabaseCatalog((await auth()).client);
}

async function openCatalog(config: Config, closers: Array<() => Promise<void>>): Promise<Catalog> {
  const { openSqliteCatalog } = await import('../catalog/sqlite.js');
  const opened = await openSqliteCatalog({ dir: config.dirs.data });
  closers.push(() => opened.close());
  return opened;
}

async function flushRunMetrics(metrics: MetricsRecorder, config: Config, onWarning: RuntimeInput['onWarning']): Promise<void> {
  if (metrics.isEmpty()) return;
  try {
    const { flushMetrics } = await import('./metrics/export.js');
    await flushMetrics(metrics, { stateDir: config.dirs.state, metricsFile: config.metricsFile, pushgatewayUrl: config.pushgatewayUrl });
  } catch (error) {
    onWarning?.(`metrics not recorded: ${(error as Error).message}`);
  }
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
