/** `exai config list|get|set|unset|path`: effective values with their source, secrets redacted. */
import { CONFIG_KEYS } from '../../core/config/keys.js';
import { EXIT } from '../../core/errors.js';
import type { Context } from '../context.js';
import type { BaseOptions, CommandSpec } from '../spec.js';

const sub = (name: string, args: string | undefined, summary: string, extra: Partial<CommandSpec<BaseOptions>> = {}): CommandSpec<BaseOptions> => ({
  name,
  ...(args ? { args } : {}),
  summary,
  options: [],
  ...extra,
  load: async () => ({ run: (opts, ctx) => runConfig(name, opts, ctx) }),
});

// Built on first use of `--help` would be nicer, but commander wants the text up front; it is small.
function settableKeysHelp(): string {
  const keys = CONFIG_KEYS.filter((k) => !k.secret);
  const width = Math.max(...keys.map((k) => k.key.length));
  return ['Write a value to the config file. Keys and their formats:', '', ...keys.map((k) => `  ${k.key.padEnd(width)}  ${k.kind}: ${k.description}`)].join('\n');
}

export const configSpec = {
  name: 'config',
  summary: 'show or change configuration',
  examples: ['exai config list', 'exai config get maxFileSize --json', 'exai config set maxFileSize 100MB', 'exai config unset maxFileSize'],
  options: [],
  subcommands: [
    sub('list', undefined, 'every effective value and where it came from', { examples: ['exai config list --json'] }),
    sub('get', '<key>', 'one effective value', { examples: ['exai config get concurrency'] }),
    sub('set', '<key> <value>', 'write a value to the config file (not secrets)', {
      help: settableKeysHelp(),
      examples: ['exai config set maxFileSize 100MB', 'exai config set allowExternalPaths true'],
    }),
    sub('unset', '<key>', 'remove a value from the config file', { examples: ['exai config unset maxFileSize'] }),
    sub('path', undefined, 'print the config file path', { examples: ['exai config path'] }),
  ] as unknown as CommandSpec[],
} as const;

async function runConfig(verb: string, opts: BaseOptions, ctx: Context): Promise<number> {
  const [key = '', value = ''] = opts.args;
  if (verb === 'path') printPath(ctx);
  else if (verb === 'list' || verb === 'get') await printValues(verb, key, ctx);
  else if (verb === 'set') await setValue(key, value, ctx);
  else await unsetValue(key, ctx);
  return EXIT.ok;
}

function printPath(ctx: Context): void {
  const file = ctx.loaded.configFilePath;
  if (ctx.output.json) ctx.output.jsonDocument({ path: file });
  else ctx.output.line(file);
}

// --json carries the typed value (a number, a boolean, a list), people get the formatted one.
async function printValues(verb: 'list' | 'get', key: string, ctx: Context): Promise<void> {
  const { describeConfig, getConfigValue } = await import('../../core/config/describe.js');
  const toJson = (r: { key: string; raw: unknown; source: string; secret: boolean }) => ({ key: r.key, value: jsonValue(r.raw), source: r.source, secret: r.secret });
  if (verb === 'get') {
    const r = getConfigValue(ctx.loaded, key);
    if (ctx.output.json) ctx.output.jsonDocument(toJson(r));
    else ctx.output.line(r.value);
    return;
  }
  const rows = describeConfig(ctx.loaded);
  if (ctx.output.json) ctx.output.jsonDocument(rows.map(toJson));
  else for (const r of rows) ctx.output.line(`${r.key} = ${r.value}  (${r.source})`);
}

/** JSON has no Infinity ("unlimited" quota): null says "no limit". */
function jsonValue(raw: unknown): unknown {
  return typeof raw === 'number' && !Number.isFinite(raw) ? null : raw;
}

async function setValue(key: string, value: string, ctx: Context): Promise<void> {
  const { setConfigValue } = await import('../../core/config/file.js');
  const file = ctx.loaded.configFilePath;
  // A bad value is a usage error (2); an untrusted or linked config file stays exit 9.
  const result = await setConfigValue(file, key, value);
  if (ctx.output.json) ctx.output.jsonDocument({ key: result.key, value: result.stored, path: result.path });
  else ctx.output.info(`set ${result.key} in ${result.path}`);
}

async function unsetValue(key: string, ctx: Context): Promise<void> {
  const { unsetConfigValue } = await import('../../core/config/file.js');
  const file = ctx.loaded.configFilePath;
  const removed = await unsetConfigValue(file, key);
  if (ctx.output.json) ctx.output.jsonDocument({ key, removed, path: file });
  else ctx.output.info(removed ? `removed ${key} from ${file}` : `${key} was not set in ${file}`);
}
