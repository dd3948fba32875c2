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
import type { ProviderRegistry } from '../providers/registry.js';
import { ExaiError } from '../core/errors.js';
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
    catalog,
    providers,
    dispatcher,
    confirm: overrides.confirm ?? ((q) => askOnTty(input.output, q, input.signal)),
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

/**
 * The one prompt: y/yes confirms, anything else declines. Ctrl-C or Ctrl-D (readline closes,
 * the question rejects) and SIGINT become INTERRUPTED (exit 130, printed quietly), so every
 * prompt cancels the same way and the command changes nothing.
 */
async function askOnTty(output: Output, question: string, signal: AbortSignal): Promise<boolean> {
  if (!output.streams.stdinIsTTY || !output.streams.stderrIsTTY) return false;
  const { createInterface } = await import('node:readline/promises');
  const input = output.streams.stdin ?? process.stdin;
  const rl = createInterface({ input, output: output.streams.stderr, terminal: true });
  try {
    // A closed stdin ends readline without settling the question: treat it as Ctrl-D.
    const closed = new Promise<never>((_, reject) => rl.once('close', () => reject(new Error('stdin closed'))));
    const answer = await Promise.race([rl.question(`${question} [y/N] `, { signal }), closed]);
    return /^y(es)?$/i.test(answer.trim());
  } catch (error) {
    // End the prompt's line, so what follows (a shell prompt, a JSON error) starts clean.
    output.streams.stderr.write('\n');
    throw new ExaiError('INTERRUPTED', 'cancelled at the prompt; nothing was changed', { cause: error, details: { prompt: true } });
  } finally {
    rl.close();
  }
}
