/**
 * The Context: built once per run in main.ts and handed to every command. Expensive parts
 * (catalog, providers, HTTP dispatcher) are created on first use, so `validate` never loads
 * SQLite and `--version` loads nothing at all.
 */
import os from 'node:os';
import type { Dispatcher } from 'undici';
import type { UserAuth } from '../auth/session.js';
import type { Catalog } from '../catalog/types.js';
import type { Archive } from '../core/archive.js';
import type { Config } from '../core/config/types.js';
import type { LoadedConfig } from '../core/config/load.js';
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
  /** True when SUPABASE_URL is set: the catalog, quota and archive are the shared backend's. */
  shared: boolean;
  /** The signed-in user of the shared backend (AUTH_REQUIRED when none); only when `shared`. */
  sharedAuth(): Promise<UserAuth>;
  /** The shared backend's archive (Supabase Storage); undefined in embedded mode. */
  archive(): Promise<Archive | undefined>;
  catalog(): Promise<Catalog>;
  providers(): Promise<ProviderRegistry>;
  dispatcher(): Promise<Dispatcher>;
  /** Ask a yes/no question on a TTY; false when there is none. */
  confirm(question: string): Promise<boolean>;
  /** All of standard input as text (`login --password-stdin`). */
  readStdin(): Promise<string>;
  /** Release what was opened (catalog, sockets). */
  close(): Promise<void>;
}

/** What a test (or bin/exai.js) can inject. */
export interface ContextOverrides {
  catalog?: () => Promise<Catalog>;
  /** Replaces the global fetch for Supabase requests (tests count them). */
  supabaseFetch?: typeof fetch;
  providers?: () => Promise<ProviderRegistry>;
  dispatcher?: () => Promise<Dispatcher>;
  confirm?: (question: string) => Promise<boolean>;
  readStdin?: () => Promise<string>;
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
  const shared = config.supabaseUrl !== undefined && config.supabaseUrl !== '';
  const sharedAuth = memoize(async () => {
    const { authSettingsFrom } = await import('../auth/settings.js');
    const { openUserAuth } = await import('../auth/session.js');
    return openUserAuth(authSettingsFrom(config, overrides.supabaseFetch));
  });
  const archive = memoize(async () => {
    if (!shared) return undefined;
    const { authSettingsFrom } = await import('../auth/settings.js');
    const { createSupabaseArchive } = await import('../catalog/supabase-archive.js');
    return createSupabaseArchive(await sharedAuth(), authSettingsFrom(config, overrides.supabaseFetch));
  });
  const catalog = memoize(
    overrides.catalog ??
      (async () => {
        if (shared) {
          const { SupabaseCatalog } = await import('../catalog/supabase.js');
          return new SupabaseCatalog((await sharedAuth()).client);
        }
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
    shared,
    sharedAuth,
    archive,
    catalog,
    providers,
    dispatcher,
    confirm: overrides.confirm ?? ((q) => askOnTty(input.output, q)),
    readStdin: overrides.readStdin ?? readProcessStdin,
    close: async () => {
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

async function readProcessStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
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
