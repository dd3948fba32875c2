/** Where exai keeps its config, data and state: EXAI_*_DIR, else XDG, else ~/.config etc. */
import path from 'node:path';
import { ExaiError } from '../errors.js';
import type { ConfigProblem } from './problems.js';
import type { ConfigSource, Dirs } from './types.js';

type Env = Record<string, string | undefined>;
type DirName = keyof Dirs;

const DIR_RULES: Record<DirName, { own: string; xdg: string; fallback: string[] }> = {
  config: { own: 'EXAI_CONFIG_DIR', xdg: 'XDG_CONFIG_HOME', fallback: ['.config'] },
  data: { own: 'EXAI_DATA_DIR', xdg: 'XDG_DATA_HOME', fallback: ['.local', 'share'] },
  state: { own: 'EXAI_STATE_DIR', xdg: 'XDG_STATE_HOME', fallback: ['.local', 'state'] },
};

/** Dirs plus where each came from and any problems (relative paths), for the loader. */
export interface InspectedDirs {
  dirs: Dirs;
  sources: Record<DirName, ConfigSource>;
  /** A dir that is not absolute; it is replaced by its default so a lenient load (doctor) can go on. */
  problems: ConfigProblem[];
}

/** Work out the three dirs without throwing, so the loader can report every problem at once. */
export function inspectDirs(env: Env, home: string): InspectedDirs {
  const dirs = {} as Dirs;
  const sources = {} as Record<DirName, ConfigSource>;
  const problems: ConfigProblem[] = [];
  for (const name of Object.keys(DIR_RULES) as DirName[]) {
    const rule = DIR_RULES[name];
    const own = nonEmpty(env[rule.own]);
    const xdg = nonEmpty(env[rule.xdg]);
    let chosen: string;
    if (own !== undefined) {
      chosen = own;
      sources[name] = { kind: 'env', name: rule.own };
    } else if (xdg !== undefined) {
      chosen = path.join(xdg, 'exai');
      sources[name] = { kind: 'env', name: rule.xdg };
    } else {
      chosen = path.join(home, ...rule.fallback, 'exai');
      sources[name] = { kind: 'default' };
    }
    if (!path.isAbsolute(chosen)) {
      const from = own ?? xdg ?? home;
      const origin = own !== undefined ? rule.own : xdg !== undefined ? rule.xdg : 'the home directory';
      const message = `invalid dirs.${name} ${JSON.stringify(from)} from ${origin}: directories must be absolute paths`;
      problems.push({ message, key: `dirs.${name}`, origin, fix: `set ${rule.own} to an absolute path` });
      chosen = path.join(path.resolve(home), ...rule.fallback, 'exai');
    }
    dirs[name] = path.normalize(chosen);
  }
  return { dirs, sources, problems };
}

/** Resolve the config, data and state dirs; a relative path is a CONFIG_INVALID error. */
export function resolveDirs(env: Env, home: string): Dirs {
  const { dirs, problems } = inspectDirs(env, home);
  if (problems.length > 0) {
    const lines = problems.map((p) => p.message);
    throw new ExaiError('CONFIG_INVALID', lines.join('\n'), {
      hint: 'set EXAI_CONFIG_DIR, EXAI_DATA_DIR and EXAI_STATE_DIR (or XDG_*_HOME) to absolute paths',
      details: { lines },
    });
  }
  return dirs;
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === '' ? undefined : value;
}
