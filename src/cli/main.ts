/**
 * The CLI entry: parse argv with commander (program.ts), build the Context, run the command,
 * and map whatever comes out to an exit code. The only place that knows about exit codes.
 */
import { readFileSync } from 'node:fs';
import os from 'node:os';
import { CommanderError } from 'commander';
import { EXIT, isExaiError, ExaiError, messageLines } from '../core/errors.js';
import { createRedactor } from '../core/redact.js';
import { buildContext, systemClock, type Clock, type Context, type ContextOverrides } from './context.js';
import { Output, decideColor, type OutputStreams } from './output.js';
import { COMMANDS } from './commands/index.js';
import { buildProgram } from './program.js';
import { isTerminal } from './is-terminal.js';

/** Everything main needs from the outside world; tests pass their own. */
export interface MainDeps {
  env: Record<string, string | undefined>;
  cwd: string;
  home: string;
  streams: OutputStreams;
  clock?: Clock;
  signal?: AbortSignal;
  overrides?: ContextOverrides;
}

/** exai's version, from package.json. */
export const VERSION = readVersion();

/** Run exai as a process: real streams, real environment, SIGINT → 130. */
export async function run(argv: string[]): Promise<number> {
  const abort = new AbortController();
  const onSigint = () => abort.abort(new ExaiError('INTERRUPTED', 'interrupted'));
  process.once('SIGINT', onSigint);
  try {
    return await main(argv, { env: process.env, cwd: process.cwd(), home: os.homedir(), streams: processStreams(), signal: abort.signal });
  } finally {
    process.removeListener('SIGINT', onSigint);
  }
}

/**
 * The process's stdout and stderr, each set up on first use: Node builds a stream object
 * (a socket for a pipe) the first time one is touched, ~1.5 ms each, and a quiet run may
 * never write to stderr. TTY-ness comes from the descriptors, so asking never builds one
 * (process.stdin is only built if rm has to prompt).
 */
function processStreams(): OutputStreams {
  const once = <T>(make: () => T): (() => T) => {
    let made: T | undefined;
    return () => (made ??= make());
  };
  const stdout = once(() => surviveClosedPipe(process.stdout));
  const stderr = once(() => surviveClosedPipe(process.stderr));
  return {
    get stdout() {
      return stdout();
    },
    get stderr() {
      return stderr();
    },
    stdoutIsTTY: isTerminal(1),
    stderrIsTTY: isTerminal(2),
    stdinIsTTY: isTerminal(0),
  };
}

/**
 * `exai ls | head -1`: once the reader is gone, further output has nowhere to go. That is not
 * a reason to crash mid-command (an upload should still finish and record its row), so
 * EPIPE is dropped; any other stream error is still fatal.
 */
function surviveClosedPipe(stream: NodeJS.WriteStream): NodeJS.WriteStream {
  stream.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE' || error.code === 'ERR_STREAM_DESTROYED') return;
    throw error;
  });
  return stream;
}

/** Run exai in-process with the given argv and dependencies; resolves to the exit code. */
export async function main(argv: string[], deps: MainDeps): Promise<number> {
  const output = new Output(deps.streams, {
    json: argv.includes('--json'),
    quiet: argv.includes('-q') || argv.includes('--quiet'),
    color: decideColor({
      env: deps.env,
      noColorFlag: argv.includes('--no-color'),
      stdoutIsTTY: deps.streams.stdoutIsTTY ?? false,
      stderrIsTTY: deps.streams.stderrIsTTY,
    }),
    redact: makeRedactor(deps.env),
  });
  const state: { code: number; ctx?: Context } = { code: EXIT.ok };
  const program = buildProgram(COMMANDS, output, VERSION, async (spec, opts) => {
    output.configure({ json: opts['json'] === true, quiet: opts['quiet'] === true, color: opts['color'] !== false });
    const ctx = await createContext(output, deps, spec.reportsConfigProblems === true);
    state.ctx = ctx;
    const body = await spec.load!();
    state.code = await body.run(opts, ctx);
  });
  try {
    await program.parseAsync(argv, { from: 'user' });
    return state.code;
  } catch (error) {
    return reportError(error, output);
  } finally {
    await state.ctx?.close();
  }
}

async function createContext(output: Output, deps: MainDeps, lenient: boolean): Promise<Context> {
  const { loadConfig } = await import('../core/config/load.js');
  const reloadConfig = () => loadConfig({ env: deps.env, cwd: deps.cwd, home: deps.home, lenient });
  const loaded = await reloadConfig();
  for (const warning of loaded.warnings) output.warn(warning);
  return buildContext({
    loaded,
    output,
    clock: deps.clock ?? systemClock,
    cwd: deps.cwd,
    signal: deps.signal ?? new AbortController().signal,
    overrides: deps.overrides ?? {},
    reloadConfig,
  });
}

/** Map anything thrown to a message on stderr (one JSON object under --json) and an exit code. */
export function reportError(error: unknown, output: Output): number {
  if (error instanceof CommanderError) return reportCommanderError(error, output);
  if (isExaiError(error)) {
    if (output.json) output.errorJson({ error: error.toJSON() });
    // Ctrl-C or Ctrl-D at a prompt: the user knows, and the prompt's line is already ended.
    else if (error.name === 'INTERRUPTED' && error.details?.['prompt'] === true) return error.exitCode;
    else {
      const [first, ...more] = messageLines(error);
      output.error(`${output.chalk.red('error:')} ${first}`);
      for (const line of more) output.error(line);
      if (error.hint) output.error(`${output.chalk.dim('hint:')} ${error.hint}`);
    }
    return error.exitCode;
  }
  const stack = error instanceof Error ? (error.stack ?? error.message) : String(error);
  if (output.json) output.errorJson({ error: { code: 9001, name: 'INTERNAL', message: String(error), http_status: 500 } });
  else {
    const [first, ...frames] = stack.split('\n');
    output.error(`${output.chalk.red('internal error:')} ${first}`);
    for (const frame of frames) output.error(frame);
    output.error('This is a bug in exai; please report it with the command you ran.');
  }
  return EXIT.failure;
}

/** Commander already printed its text (unless --json): here only the JSON object and the code. */
function reportCommanderError(error: CommanderError, output: Output): number {
  if (error.exitCode === 0) return EXIT.ok;
  if (output.json) {
    const message = error.code === 'commander.help' ? 'no command given; see exai --help' : output.render('stderr', error.message.replace(/^error: /, ''));
    output.errorJson({ error: new ExaiError('USAGE', message, { hint: 'run with --help for usage' }).toJSON() });
  }
  return EXIT.usage;
}

/** Every line we print is scrubbed of the secrets this process can see, and of token-shaped strings. */
function makeRedactor(env: Record<string, string | undefined>): (text: string) => string {
  return createRedactor(SECRET_ENV_NAMES.map((name) => env[name]));
}

const SECRET_ENV_NAMES = [
  'MOONSHOT_API_KEY',
  'KIMI_API_KEY',
  'ZAI_API_KEY',
  'GLM_API_KEY',
  'ZHIPUAI_API_KEY',
  'SUPABASE_ANON_KEY',
  'SUPABASE_PUBLISHABLE_KEY',
  'SUPABASE_SERVICE_ROLE_KEY',
  'SUPABASE_SECRET_KEY',
  'EXAI_ACCESS_TOKEN',
];

function readVersion(): string {
  const url = new URL('../../package.json', import.meta.url);
  return (JSON.parse(readFileSync(url, 'utf8')) as { version: string }).version;
}
