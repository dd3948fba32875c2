/** Commands declare their flags as data; program.ts turns the data into commander commands. */
import type { Context } from './context.js';

export interface OptionSpec {
  /** Commander flag syntax, e.g. "-n, --dry-run" or "--provider <name>". */
  flags: string;
  description: string;
  /** Repeatable options collect into an array. */
  repeatable?: boolean;
  /**
   * Parse the text value (commander's argParser); throw ExaiError('USAGE') on bad input.
   * Every flag that takes a value has `parse` or `choices`, or says `anyText` (contract test).
   */
  parse?: (value: string) => unknown;
  /** Allowed values, shown in help and checked by commander. */
  choices?: readonly string[];
  /** The value is free text checked later (e.g. --purpose, per provider) or by nothing. */
  anyText?: boolean;
  /** What happens without the flag, shown in help as "(default: …)"; never set as a value. */
  defaultText?: string;
}

export interface CommandSpec<Opts = Record<string, unknown>> {
  name: string;
  /** e.g. "<paths...>", "[key]" */
  args?: string;
  /** One line, lower case, no final full stop (a contract test checks the style). */
  summary: string;
  /** Longer help text shown above the options. */
  help?: string;
  /** Example command lines shown under "Examples:" in the command's help. */
  examples?: readonly string[];
  options: readonly OptionSpec[];
  /** Sub-verbs like `config list`, each with its own spec. */
  subcommands?: readonly CommandSpec[];
  /**
   * The command serves a protocol on stdin/stdout (`exai mcp`: JSON-RPC): stdout carries that
   * protocol, not exai's output, so the output rules (--json, -q, colour) do not apply to it;
   * its own tests check that stdout holds nothing but protocol messages.
   */
  servesProtocol?: string;
  /**
   * The command runs with a config that has problems and reports them itself (`exai doctor`):
   * a bad value is left at its default instead of refusing to start (exit 9).
   */
  reportsConfigProblems?: boolean;
  /** Load the command body lazily so `exai --version` stays fast. */
  load?: () => Promise<{ run: (opts: Opts, ctx: Context) => Promise<number> }>;
}

/** The options every command accepts. */
export const GLOBAL_OPTIONS: readonly OptionSpec[] = [
  { flags: '--json', description: 'print one JSON document on stdout (errors: one JSON object on stderr)' },
  { flags: '-q, --quiet', description: 'no progress, summaries or success lines; errors and data still print' },
  { flags: '--no-color', description: 'disable colour (NO_COLOR and TERM=dumb also do; FORCE_COLOR forces it)' },
];

/** Options every command sees after parsing: args first, then flags. */
export interface BaseOptions {
  args: string[];
  json?: boolean;
  quiet?: boolean;
  color?: boolean;
}

/** Every runnable command as `[path, spec]`, subcommands as "config set": what contract tests iterate. */
export function listCommands(commands: readonly CommandSpec[], prefix = ''): Array<[string, CommandSpec]> {
  return commands.flatMap((spec): Array<[string, CommandSpec]> => {
    const name = prefix === '' ? spec.name : `${prefix} ${spec.name}`;
    return spec.subcommands ? listCommands(spec.subcommands, name) : [[name, spec]];
  });
}
