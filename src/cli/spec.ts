/** Commands declare their flags as data; main.ts turns the data into commander commands. */
import type { Context } from './context.js';

export interface OptionSpec {
  /** Commander flag syntax, e.g. "-n, --dry-run" or "--provider <name>". */
  flags: string;
  description: string;
  /** Repeatable options collect into an array. */
  repeatable?: boolean;
  /** Parse the text value (commander's argParser); throw ExaiError('USAGE') on bad input. */
  parse?: (value: string) => unknown;
  /** Allowed values, shown in help and checked by commander. */
  choices?: readonly string[];
}

export interface CommandSpec<Opts = Record<string, unknown>> {
  name: string;
  /** e.g. "<paths...>", "[key]" */
  args?: string;
  summary: string;
  /** Longer help text with examples. */
  help?: string;
  options: readonly OptionSpec[];
  /** Sub-verbs like `config list`, each with its own spec. */
  subcommands?: readonly CommandSpec[];
  /** Load the command body lazily so `exai --version` stays fast. */
  load?: () => Promise<{ run: (opts: Opts, ctx: Context) => Promise<number> }>;
}

/** The options every command accepts. */
export const GLOBAL_OPTIONS: readonly OptionSpec[] = [
  { flags: '--json', description: 'print one JSON document on stdout' },
  { flags: '-q, --quiet', description: 'print only errors on stderr' },
  { flags: '--no-color', description: 'disable colour (NO_COLOR and TERM=dumb also do)' },
];

/** Options every command sees after parsing: args first, then flags. */
export interface BaseOptions {
  args: string[];
  json?: boolean;
  quiet?: boolean;
  color?: boolean;
}
