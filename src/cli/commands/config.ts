/** `exai config list|get|set|unset|path`: effective values with their source, secrets redacted. */
import { EXIT } from '../../core/errors.js';
import type { Context } from '../context.js';
import type { BaseOptions, CommandSpec } from '../spec.js';

const sub = (name: string, args: string | undefined, summary: string): CommandSpec<BaseOptions> => ({
  name,
  ...(args ? { args } : {}),
  summary,
  options: [],
  load: async () => ({ run: (opts, ctx) => runConfig(name, opts, ctx) }),
});

export const configSpec = {
  name: 'config',
  summary: 'show or change configuration',
  options: [],
  subcommands: [
    sub('list', undefined, 'every effective value and where it came from'),
    sub('get', '<key>', 'one effective value'),
    sub('set', '<key> <value>', 'write a value to the config file (not secrets)'),
    sub('unset', '<key>', 'remove a value from the config file'),
    sub('path', undefined, 'print the config file path'),
  ] as unknown as CommandSpec[],
} as const;

async function runConfig(verb: string, opts: BaseOptions, ctx: Context): Promise<number> {
  const { describeConfig, getConfigValue } = await import('../../core/config/describe.js');
  const file = ctx.loaded.configFilePath;
  const [key = '', value = ''] = opts.args;
  if (verb === 'path') ctx.output.line(file);
  else if (verb === 'list') {
    const rows = describeConfig(ctx.loaded);
    if (ctx.output.json) ctx.output.jsonDocument(rows.map((r) => ({ key: r.key, value: r.value, source: r.source, secret: r.secret })));
    else for (const r of rows) ctx.output.line(`${r.key} = ${r.value}  (${r.source})`);
  } else if (verb === 'get') {
    const r = getConfigValue(ctx.loaded, key);
    if (ctx.output.json) ctx.output.jsonDocument({ key: r.key, value: r.value, source: r.source });
    else ctx.output.line(r.value);
  } else if (verb === 'set') {
    const { setConfigValue } = await import('../../core/config/file.js');
    const result = await setConfigValue(file, key, value);
    ctx.output.info(`set ${result.key} in ${result.path}`);
  } else {
    const { unsetConfigValue } = await import('../../core/config/file.js');
    const removed = await unsetConfigValue(file, key);
    ctx.output.info(removed ? `removed ${key} from ${file}` : `${key} was not set in ${file}`);
  }
  return EXIT.ok;
}
