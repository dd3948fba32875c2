/**
 * Config problems as data. Every command but doctor refuses them together (CONFIG_INVALID,
 * exit 9); doctor, run because something is wrong, reports each one as a failed check with
 * its fix and carries on with the default in its place.
 */
import { ExaiError } from '../errors.js';
import type { ConfigSource } from './types.js';

/** One bad value (or a config file that could not be used): what, where from, and the fix. */
export interface ConfigProblem {
  /** "invalid maxFileSize "abc" from config file /x/config.json: must be …": key, origin and rule. */
  message: string;
  /** The config key ("maxFileSize", "dirs.data"); undefined when the whole file is the problem. */
  key?: string | undefined;
  /** Where the value came from: "config file /x/config.json", "EXAI_MAX_FILE_SIZE". */
  origin: string;
  /** What to do about it, as a command or a change the user can make. */
  fix: string;
}

/** The fix for a bad value of `key` from `source`. */
export function fixFor(key: string, source: ConfigSource): string {
  if (source.kind === 'file') return `run \`exai config set ${key} <value>\` with a valid value, or \`exai config unset ${key}\` (file ${source.path})`;
  if (source.kind === 'env') return `fix or unset ${source.name} in the environment`;
  if (source.kind === 'flag') return `fix ${source.name}`;
  return `report this: the default of ${key} is invalid`;
}

/** One CONFIG_INVALID error listing every problem (exit 9). */
export function createConfigError(problems: readonly ConfigProblem[]): ExaiError {
  const messages = problems.map((p) => p.message);
  const lines = messages.length === 1 ? [messages[0] ?? ''] : [`${messages.length} configuration problems:`, ...messages.map((m) => `  - ${m}`)];
  return new ExaiError('CONFIG_INVALID', lines.join('\n'), {
    hint: 'fix each value named above (`exai config list` shows every key and where its value comes from)',
    details: { problems: messages, lines },
  });
}
