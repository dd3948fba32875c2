/**
 * The Context: the core's Runtime plus what only a terminal has (output, prompts). Built
 * once per run in main.ts and handed to every command.
 */
import { createRuntime, type Clock, type Runtime, type RuntimeOverrides } from '../core/runtime.js';
import type { LoadedConfig } from '../core/config/load.js';
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
  const runtime = createRuntime({ ...input, onWarning: (message) => input.output.warn(message) });
  return {
    ...runtime,
    output: input.output,
    confirm: input.overrides.confirm ?? ((q) => askOnTty(input.output, q)),
    readStdin: input.overrides.readStdin ?? readProcessStdin,
    reloadConfig: input.reloadConfig,
  };
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
