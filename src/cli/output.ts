/**
 * stdout for data, stderr for people. One place decides colour, TTY-ness, quiet and --json,
 * and every line that leaves the process passes through the redactor first.
 */
import type { Writable } from 'node:stream';
import { Chalk, type ChalkInstance } from 'chalk';
import { escapeJsonInvisibles, escapeTerminalLines, escapeTerminalText } from './terminal-text.js';

export interface OutputStreams {
  stdout: Writable;
  stderr: Writable;
  /** Is stderr a terminal? Spinners and progress bars only then. */
  stderrIsTTY: boolean;
  /** Is stdin a terminal? Prompts only then. */
  stdinIsTTY: boolean;
}

export interface OutputOptions {
  json: boolean;
  quiet: boolean;
  color: boolean;
  /** Scrubs secrets out of any text before it is written. */
  redact: (text: string) => string;
}

/** A progress display; a no-op when stderr is not a TTY. */
export interface Progress {
  update(text: string): void;
  stop(): void;
}

/** The output half of the Context. */
export class Output {
  readonly chalk: ChalkInstance;
  json: boolean;
  quiet: boolean;

  constructor(
    readonly streams: OutputStreams,
    private readonly options: OutputOptions,
  ) {
    this.chalk = new Chalk({ level: options.color ? 1 : 0 });
    this.json = options.json;
    this.quiet = options.quiet;
  }

  /** Scrub secrets from text that leaves the process some other way (an MCP message). */
  redact(text: string): string {
    return this.options.redact(text);
  }

  /** Change the mode once the command's own flags are known. */
  configure(mode: { json?: boolean; quiet?: boolean; color?: boolean }): void {
    if (mode.json !== undefined) this.json = mode.json;
    if (mode.quiet !== undefined) this.quiet = mode.quiet;
    if (mode.color === false) this.chalk.level = 0;
  }

  /** A line of data on stdout. */
  line(text: string): void {
    this.write('stdout', text);
  }

  /** A multi-line document on stdout whose line breaks are ours (JUnit XML). */
  document(text: string): void {
    this.parserText('stdout', `${text}\n`);
  }

  /** Text whose line breaks are ours (the argument parser's help and usage errors): each line redacted and escaped. */
  parserText(to: 'stdout' | 'stderr', text: string): void {
    this.streams[to].write(escapeTerminalLines(this.options.redact(text), this.chalk.level > 0));
  }

  /** Exactly one JSON document on stdout. */
  jsonDocument(value: unknown): void {
    this.streams.stdout.write(`${escapeJsonInvisibles(this.options.redact(JSON.stringify(value, null, 2)))}\n`);
  }

  /** A piece of one JSON document on stdout, written as it is built (a very long gc plan). */
  jsonText(text: string): void {
    this.streams.stdout.write(escapeJsonInvisibles(this.options.redact(text)));
  }

  /** A message for people on stderr (suppressed by -q and by --json). */
  info(text: string): void {
    if (this.quiet || this.json) return;
    this.write('stderr', text);
  }

  /** A warning on stderr (suppressed by -q only). */
  warn(text: string): void {
    if (this.quiet) return;
    this.write('stderr', `${this.chalk.yellow('warning:')} ${text}`);
  }

  /** An error on stderr: always shown. */
  error(text: string): void {
    this.write('stderr', text);
  }

  /** Raw JSON on stderr (the --json error document). */
  errorJson(value: unknown): void {
    this.streams.stderr.write(`${escapeJsonInvisibles(this.options.redact(JSON.stringify(value)))}\n`);
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

  // The one sanitising step on the human path: secrets out first, then every control and
  // bidi character made visible (terminal-text.ts; our own colour sequences pass while
  // colour is on), so nothing from outside reaches the terminal raw. A line break inside
  // `text` is shown as \n: a line is one line.
  private paint(_stream: 'stdout' | 'stderr', text: string): string {
    return escapeTerminalText(this.options.redact(text), this.chalk.level > 0);
  }

  private write(stream: 'stdout' | 'stderr', text: string): void {
    this.streams[stream].write(`${this.paint(stream, text)}\n`);
  }
}

/** Colour is on only for a TTY, and never with NO_COLOR, TERM=dumb or --no-color. */
export function shouldUseColor(env: Record<string, string | undefined>, isTTY: boolean): boolean {
  if (env['NO_COLOR'] !== undefined && env['NO_COLOR'] !== '') return false;
  if (env['TERM'] === 'dumb') return false;
  if (env['FORCE_COLOR'] !== undefined && env['FORCE_COLOR'] !== '0') return true;
  return isTTY;
}
