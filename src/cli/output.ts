/**
 * stdout for data, stderr for people. One place decides colour (per stream), TTY-ness,
 * quiet and --json, and every byte that leaves the process passes through the redactor and,
 * on the human path, through the terminal sanitiser first.
 */
import type { Readable, Writable } from 'node:stream';
import { stripVTControlCharacters } from 'node:util';
import { Chalk, type ChalkInstance } from 'chalk';
import { escapeJsonInvisibles, escapeTerminalLines, escapeTerminalText } from './terminal-text.js';
import { createSecretList, redactedJson, redactSecrets } from '../core/redact.js';

export interface OutputStreams {
  stdout: Writable;
  stderr: Writable;
  /** Is stdout a terminal? Only then is stdout coloured. */
  stdoutIsTTY?: boolean;
  /** Is stderr a terminal? Spinners, progress bars and stderr colour only then. */
  stderrIsTTY: boolean;
  /** Is stdin a terminal? Prompts only then. */
  stdinIsTTY: boolean;
  /** Where prompts read answers from (process.stdin when absent). */
  stdin?: Readable;
}

export interface OutputOptions {
  json: boolean;
  quiet: boolean;
  /** Colour per stream, as decideColor() decides it (a boolean: both streams alike). */
  color: boolean | { stdout: boolean; stderr: boolean };
  /** Scrubs secrets out of any text before it is written. */
  redact: (text: string) => string;
}

/** A progress display; a no-op when stderr is not a TTY. */
export interface Progress {
  update(text: string): void;
  stop(): void;
}

type Stream = 'stdout' | 'stderr';

/** The output half of the Context. */
export class Output {
  /** Colours text for either stream; write time drops it on a stream that is not coloured. */
  readonly chalk: ChalkInstance;
  json: boolean;
  quiet: boolean;
  private color: { stdout: boolean; stderr: boolean };
  private readonly learnt = createSecretList();
  // Every write goes through this: the fixed redactor, then the secrets this run has learnt.
  private readonly scrub = (text: string): string => {
    const fixed = this.options.redact(text);
    const learnt = this.learnt.list();
    return learnt.length === 0 ? fixed : redactSecrets(fixed, learnt);
  };

  constructor(
    readonly streams: OutputStreams,
    private readonly options: OutputOptions,
  ) {
    const color = options.color;
    this.color = typeof color === 'boolean' ? { stdout: color, stderr: color } : { ...color };
    this.chalk = new Chalk({ level: this.color.stdout || this.color.stderr ? 1 : 0 });
    this.json = options.json;
    this.quiet = options.quiet;
  }

  /** Scrub secrets from text that leaves the process some other way (an MCP message). */
  redact(text: string): string {
    return this.scrub(text);
  }

  /**
   * Mask `secret` in everything written from now on: a session token read or refreshed, a
   * token or password typed in. A Supabase refresh token is short and opaque, so a server
   * quoting it back bare is caught only by knowing it.
   */
  learnSecret(secret: string): void {
    this.learnt.add(secret);
  }

  /** Change the mode once the command's own flags are known. */
  configure(mode: { json?: boolean; quiet?: boolean; color?: boolean }): void {
    if (mode.json !== undefined) this.json = mode.json;
    if (mode.quiet !== undefined) this.quiet = mode.quiet;
    if (mode.color === false) {
      this.color = { stdout: false, stderr: false };
      this.chalk.level = 0;
    }
  }

  /** A line of data on stdout: what the command exists to print (shown with -q). */
  line(text: string): void {
    this.write('stdout', text);
  }

  /** A per-item success line on stdout ("✓ a.pdf uploaded"): dropped by -q. */
  success(text: string): void {
    if (this.quiet) return;
    this.write('stdout', text);
  }

  /** A multi-line document on stdout whose line breaks are ours (JUnit XML, metrics text). */
  document(text: string): void {
    this.parserText('stdout', `${text}\n`);
  }

  /** Text whose line breaks are ours (the argument parser's help and usage errors): each line redacted and escaped. */
  parserText(to: Stream, text: string): void {
    this.streams[to].write(escapeTerminalLines(this.uncolored(to, this.scrub(text)), this.color[to]));
  }

  /** Exactly one JSON document on stdout. */
  jsonDocument(value: unknown): void {
    this.streams.stdout.write(`${escapeJsonInvisibles(redactedJson(value, this.scrub, 2))}\n`);
  }

  /**
   * One value of a JSON document written in pieces (a very long gc plan), redacted value by
   * value as jsonDocument does: masking the serialized text could cut through an escape
   * (`\n` in a name) and leave invalid JSON.
   */
  jsonFragment(value: unknown): string {
    return escapeJsonInvisibles(redactedJson(value, this.scrub));
  }

  /** A piece of one JSON document on stdout: JSON syntax around jsonFragment() values only. */
  jsonText(text: string): void {
    this.streams.stdout.write(text);
  }

  /** A message for people on stderr (suppressed by -q and by --json). */
  info(text: string): void {
    if (this.quiet || this.json) return;
    this.write('stderr', text);
  }

  /** A warning on stderr (suppressed by -q; one JSON object per line with --json). */
  warn(text: string): void {
    if (this.quiet) return;
    if (this.json) this.errorJson({ warning: { message: stripVTControlCharacters(text) } });
    else this.write('stderr', `${this.chalk.yellow('warning:')} ${text}`);
  }

  /** An error on stderr: always shown. */
  error(text: string): void {
    this.write('stderr', text);
  }

  /** Raw JSON on stderr (the --json error document). */
  errorJson(value: unknown): void {
    this.streams.stderr.write(`${escapeJsonInvisibles(redactedJson(value, this.scrub))}\n`);
  }

  /** True when a progress display makes sense. */
  get interactive(): boolean {
    return this.streams.stderrIsTTY && !this.quiet && !this.json;
  }

  /** A single self-rewriting status line on stderr, only on a TTY. */
  progress(): Progress {
    if (!this.interactive) return { update: () => undefined, stop: () => undefined };
    const stderr = this.streams.stderr;
    let last = 0;
    let shown = false;
    return {
      update: (text: string) => {
        const now = Date.now();
        if (now - last < 100) return;
        last = now;
        shown = true;
        stderr.write(`\r\x1b[2K${this.paint('stderr', text)}`);
      },
      stop: () => {
        if (shown) stderr.write('\r\x1b[2K');
      },
    };
  }

  /** Text as it would be written to `stream` (redacted, escaped, colour only if that stream has it), for writers like ora. */
  render(stream: Stream, text: string): string {
    return this.paint(stream, text);
  }

  // The one sanitising step on the human path: secrets out first, chalk's codes dropped on a
  // stream that is not coloured, then every control and bidi character made visible
  // (terminal-text.ts; our own colour sequences pass while that stream is coloured), so
  // nothing from outside reaches the terminal raw. A line break inside `text` shows as \n.
  private paint(stream: Stream, text: string): string {
    return escapeTerminalText(this.uncolored(stream, this.scrub(text)), this.color[stream]);
  }

  private uncolored(stream: Stream, text: string): string {
    return this.color[stream] ? text : stripAnsi(text);
  }

  private write(stream: Stream, text: string): void {
    this.streams[stream].write(`${this.paint(stream, text)}\n`);
  }
}

// Only SGR colour codes are chalk's; anything else in the text is left to the sanitiser.
function stripAnsi(text: string): string {
  // eslint-disable-next-line no-control-regex -- matching ESC is the point: these are SGR codes
  return text.includes('\x1b[') ? text.replace(/\x1b\[[0-9;]*m/g, '') : text;
}

/** The colour switches a run can see; decideColor() turns them into a per-stream answer. */
export interface ColorInputs {
  env: Record<string, string | undefined>;
  /** --no-color was given. */
  noColorFlag: boolean;
  stdoutIsTTY: boolean;
  stderrIsTTY: boolean;
}

/**
 * Colour per stream: --no-color and NO_COLOR (non-empty) turn it off, FORCE_COLOR (non-empty,
 * not 0/false) turns it on for both, TERM=dumb off; otherwise a stream is coloured only when
 * it is a TTY, so `exai validate f | cat` never sends codes into the pipe.
 */
export function decideColor(inputs: ColorInputs): { stdout: boolean; stderr: boolean } {
  const forced = forcedColor(inputs);
  if (forced !== undefined) return { stdout: forced, stderr: forced };
  return { stdout: inputs.stdoutIsTTY, stderr: inputs.stderrIsTTY };
}

function forcedColor({ env, noColorFlag }: ColorInputs): boolean | undefined {
  if (noColorFlag) return false;
  if (env['NO_COLOR'] !== undefined && env['NO_COLOR'] !== '') return false;
  const force = env['FORCE_COLOR'];
  if (force !== undefined && force !== '') return force !== '0' && force.toLowerCase() !== 'false';
  if (env['TERM'] === 'dumb') return false;
  return undefined;
}
