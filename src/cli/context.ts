/**
 * The Context: the core's Runtime plus what only a terminal has (output, prompts). Built
 * once per run in main.ts and handed to every command.
 */
import { createRuntime, type Clock, type Runtime, type RuntimeOverrides } from '../core/runtime.js';
import type { LoadedConfig } from '../core/config/load.js';
import { ExaiError } from '../core/errors.js';
import type { Output } from './output.js';

export { systemClock, type Clock } from '../core/runtime.js';

export interface Context extends Runtime {
  output: Output;
  /** Ask a yes/no question on a TTY; false when there is none. */
  confirm(question: string): Promise<boolean>;
  /** All of standard input as text (`login --password-stdin`). */
  readStdin(): Promise<string>;
  /** Load the config again from its file and the environment (a long-running `exai mcp`). */
  reloadConfig(): Promise<LoadedConfig>;
}

/** What a test (or bin/exai.js) can inject. */
export interface ContextOverrides extends RuntimeOverrides {
  confirm?: (question: string) => Promise<boolean>;
  readStdin?: () => Promise<string>;
}

interface BuildInput {
  loaded: LoadedConfig;
  output: Output;
  clock: Clock;
  cwd: string;
  signal: AbortSignal;
  overrides: ContextOverrides;
  reloadConfig: () => Promise<LoadedConfig>;
}

/** Assemble a Context whose heavy parts load on first use. */
export function buildContext(input: BuildInput): Context {
  // Session tokens the runtime reads or refreshes are masked in everything printed from then on.
  const onSecret = (secret: string) => input.output.learnSecret(secret);
  const runtime = createRuntime({ ...input, onWarning: (message) => input.output.warn(message), onSecret });
  return {
    ...runtime,
    output: input.output,
    confirm: input.overrides.confirm ?? ((q) => askOnTty(input.output, q, input.signal)),
    readStdin: input.overrides.readStdin ?? (() => readAll(input.output.streams.stdin ?? process.stdin)),
    reloadConfig: input.reloadConfig,
  };
}

async function readAll(stream: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.from(chunk as Buffer));
  return Buffer.concat(chunks).toString('utf8');
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
