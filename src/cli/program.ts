/**
 * The commander program built from the command specs: flags as data, help with examples,
 * choices and defaults, a `help` command that also knows the topics, and commander's own
 * text kept off stderr under --json (main.ts prints the error as JSON instead).
 */
import { Command, Option } from 'commander';
import { ExaiError } from '../core/errors.js';
import { HELP_TOPICS, PROGRAM_HELP_AFTER } from './help-topics.js';
import type { Output } from './output.js';
import { GLOBAL_OPTIONS, type CommandSpec, type OptionSpec } from './spec.js';

/** What an action needs to run a command body; main.ts supplies it. */
export type RunCommand = (spec: CommandSpec, opts: Record<string, unknown>) => Promise<void>;

/** Build `exai` with every command in `commands`. */
export function buildProgram(commands: readonly CommandSpec[], output: Output, version: string, run: RunCommand): Command {
  const program = new Command('exai')
    .description("Get local files safely into LLM providers' file APIs and keep track of them.")
    .version(version, '-V, --version')
    .helpCommand(false)
    .addHelpText('after', PROGRAM_HELP_AFTER);
  configureStreams(program, output);
  program.showHelpAfterError('(run with --help for usage)');
  for (const spec of commands) addCommand(program, spec, output, run);
  addHelpCommand(program, output);
  return program;
}

// Commander's text goes through the same redactor as ours: its errors echo what was typed.
function configureStreams(command: Command, output: Output): void {
  command.exitOverride().configureOutput({
    writeOut: (s) => output.parserText('stdout', s),
    // Under --json stderr carries only JSON: main.ts reports commander's error as one object.
    writeErr: (s) => (output.json ? undefined : output.parserText('stderr', s)),
  });
}

function addCommand(parent: Command, spec: CommandSpec, output: Output, run: RunCommand): void {
  const command = parent.command(spec.name).summary(spec.summary).description(spec.help ?? spec.summary);
  configureStreams(command, output);
  command.showHelpAfterError('(run with --help for usage)');
  if (spec.examples && spec.examples.length > 0) {
    command.addHelpText('after', ['', 'Examples:', ...spec.examples.map((e) => `  ${e}`)].join('\n'));
  }
  if (spec.subcommands) {
    for (const sub of spec.subcommands) addCommand(command, sub, output, run);
    return;
  }
  if (spec.args) command.arguments(spec.args);
  for (const option of [...spec.options, ...GLOBAL_OPTIONS]) command.addOption(toCommanderOption(option));
  command.action(async (...actionArgs: unknown[]) => {
    const self = actionArgs.at(-1) as Command;
    await run(spec, { ...self.opts(), args: self.args });
  });
}

function toCommanderOption(spec: OptionSpec): Option {
  const description = spec.defaultText === undefined ? spec.description : `${spec.description} (default: ${spec.defaultText})`;
  const option = new Option(spec.flags, description);
  if (spec.choices) option.choices(spec.choices);
  if (spec.repeatable) {
    option.argParser((value: string, previous: unknown) => [
      ...((previous as unknown[] | undefined) ?? []),
      spec.parse ? spec.parse(value) : value,
    ]);
  } else if (spec.parse) {
    option.argParser((value: string) => spec.parse!(value));
  }
  return option;
}

/** `exai help [command…|topic]`: a command's help, a topic, or "unknown" — never the wrong help. */
function addHelpCommand(program: Command, output: Output): void {
  const topics = Object.keys(HELP_TOPICS).join(', ');
  const help = program.command('help').argument('[command-or-topic...]').summary(`show help for a command or a topic (${topics})`);
  configureStreams(help, output);
  help.action((words: string[]) => {
    if (words.length === 0) return program.outputHelp();
    const topic = HELP_TOPICS[words.join(' ')];
    if (topic) return void output.streams.stdout.write(`${topic.text()}\n`);
    let command: Command | undefined = program;
    for (const word of words) command = command?.commands.find((c) => c.name() === word && c !== help);
    if (command === undefined) {
      throw new ExaiError('USAGE', `unknown command or help topic "${words.join(' ')}"`, {
        hint: `run \`exai help\` for the commands; topics: ${topics}`,
      });
    }
    command.outputHelp();
  });
}
