/**
 * The config loader: defaults → config file → environment → flags. Every layer goes through
 * the key's one parser; every problem is collected and reported together as CONFIG_INVALID.
 */
import fs from 'node:fs';
import path from 'node:path';
import { isExaiError } from '../errors.js';
import { createDefaultConfig } from './defaults.js';
import { inspectDirs } from './dirs.js';
import { flattenConfigObject, readConfigFile } from './file.js';
import { CONFIG_KEYS, findConfigKey } from './keys.js';
import type { ConfigKeySpec } from './keys.js';
import type { ParseContext } from './parsers.js';
import { createConfigError, fixFor, type ConfigProblem } from './problems.js';
import { showConfigValue } from './show-value.js';
import type { Config, ConfigSource } from './types.js';

type Env = Record<string, string | undefined>;

/** A flag's value as typed, and the flag's name for messages ("--max-size"). */
export interface FlagOverride {
  value: string;
  flag: string;
}

/** Flag values keyed by config key ("maxFileSize", "kimi.baseUrl"). */
export type FlagOverrides = Partial<Record<string, FlagOverride>>;

/** The effective configuration, where each value came from, and what the user should hear. */
export interface LoadedConfig {
  config: Config;
  /** Keyed by config key ("maxFileSize", "kimi.apiKey", "dirs.data"). */
  sources: Record<string, ConfigSource>;
  warnings: string[];
  configFilePath: string;
  /** Only from a lenient load (doctor): each bad value, left at its default. */
  problems?: ConfigProblem[] | undefined;
}

/** What the loader reads; process.env, cwd and home are passed in, never looked up. */
export interface LoadConfigInput {
  env: Env;
  cwd: string;
  home: string;
  flags?: FlagOverrides;
  /**
   * Values a program passes in code (the library's `createExai({config})`), applied last:
   * nested objects or dotted keys, typed or as text, secrets included — a program's own
   * code is where an API key may come from, unlike a flag on a shared command line.
   */
  program?: Record<string, unknown>;
  /**
   * Doctor's load: a bad value (or an unusable config file) is recorded in `problems` and
   * left at its default instead of failing the whole load, so every other check still runs.
   */
  lenient?: boolean;
}

interface Layering {
  config: Config;
  sources: Record<string, ConfigSource>;
  warnings: string[];
  problems: ConfigProblem[];
  ctx: ParseContext;
  lenient: boolean;
}

/** Load, layer and validate the configuration; throws CONFIG_INVALID listing every problem. */
export async function loadConfig(input: LoadConfigInput): Promise<LoadedConfig> {
  const inspected = inspectDirs(input.env, input.home);
  const cwdRoot = realpathOrUndefined(input.cwd);
  const config = createDefaultConfig({ allowedPaths: [cwdRoot ?? input.cwd], dirs: inspected.dirs });
  const sources: Record<string, ConfigSource> = {};
  for (const spec of CONFIG_KEYS) sources[spec.key] = { kind: 'default' };
  for (const [name, source] of Object.entries(inspected.sources)) sources[`dirs.${name}`] = source;
  const lenient = input.lenient === true;
  const state: Layering = { config, sources, warnings: [], problems: [...inspected.problems], ctx: { home: input.home }, lenient };
  const configFilePath = path.join(inspected.dirs.config, 'config.json');
  if (inspected.problems.length === 0) {
    const file = await readFileLayer(state, configFilePath);
    if (file !== undefined) applyFileLayer(state, file, configFilePath);
  }
  applyEnvLayer(state, input.env);
  applyFlagLayer(state, input.flags ?? {});
  if (input.program) applyProgramLayer(state, input.program);
  if (sources['allowedPaths']?.kind === 'default' && cwdRoot === undefined) {
    const message = `invalid allowedPaths ${JSON.stringify(input.cwd)} from the current directory: it cannot be resolved`;
    state.problems.push({ message, key: 'allowedPaths', origin: 'the current directory', fix: 'run exai from a directory that exists, or set allowedPaths' });
  }
  return finish(state, configFilePath);
}

// Lenient (doctor): a config file that can't be used (malformed, unsafe) becomes one problem
// and none of it is applied — a file someone else could write must not steer doctor either.
async function readFileLayer(state: Layering, configFilePath: string): Promise<Record<string, unknown> | undefined> {
  try {
    return await readConfigFile(configFilePath);
  } catch (error) {
    if (!state.lenient || !isExaiError(error)) throw error;
    const fix = error.hint ?? `fix or delete ${configFilePath}`;
    state.problems.push({ message: `${error.message}; none of its values are applied`, origin: `config file ${configFilePath}`, fix });
    return undefined;
  }
}

/** Layer a command's own flags on an already-loaded config (same parsers, same errors). */
export function applyFlagOverrides(loaded: LoadedConfig, flags: FlagOverrides): LoadedConfig {
  const state: Layering = {
    config: structuredClone(loaded.config),
    sources: { ...loaded.sources },
    warnings: [...loaded.warnings],
    problems: [],
    ctx: { home: undefined },
    lenient: false,
  };
  applyFlagLayer(state, flags);
  return finish(state, loaded.configFilePath);
}

function applyFileLayer(state: Layering, file: Record<string, unknown>, filePath: string): void {
  const source: ConfigSource = { kind: 'file', path: filePath };
  for (const [key, raw] of flattenConfigObject(file)) {
    const spec = findConfigKey(key);
    if (key.startsWith('dirs.')) {
      state.warnings.push(`ignoring ${key} in ${filePath}: directories are set with EXAI_CONFIG_DIR, EXAI_DATA_DIR and EXAI_STATE_DIR`);
    } else if (spec === undefined) {
      state.warnings.push(`ignoring unknown key ${JSON.stringify(key)} in ${filePath} (run \`exai config unset ${key}\` to remove it)`);
    } else if (spec.secret) {
      state.warnings.push(
        `ignoring ${spec.key} in ${filePath}: secrets are read from the environment, not the config file (set ${spec.env[0]}; run \`exai config unset ${spec.key}\`)`,
      );
    } else {
      applyValue(state, spec, raw, source);
    }
  }
}

function applyEnvLayer(state: Layering, env: Env): void {
  for (const spec of CONFIG_KEYS) {
    const present = spec.env.filter((name) => (env[name] ?? '').trim() !== '');
    const [chosen, ...others] = present;
    if (chosen === undefined) continue;
    const differing = others.filter((name) => env[name] !== env[chosen]);
    if (differing.length > 0) state.warnings.push(`${chosen} and ${differing.join(', ')} are both set; using ${chosen}`);
    applyValue(state, spec, env[chosen], { kind: 'env', name: chosen });
  }
}

function applyFlagLayer(state: Layering, flags: FlagOverrides): void {
  for (const [key, override] of Object.entries(flags)) {
    if (override === undefined) continue;
    const spec = findConfigKey(key);
    if (spec === undefined) {
      state.problems.push({ message: `unknown config key ${JSON.stringify(key)} for ${override.flag}`, origin: override.flag, fix: `drop ${override.flag}` });
    } else if (spec.secret) {
      const message = `${spec.key} cannot be given as a flag (${override.flag}): secrets are read from the environment`;
      state.problems.push({ message, key: spec.key, origin: override.flag, fix: `set ${spec.env[0]} instead` });
    } else {
      applyValue(state, spec, override.value, { kind: 'flag', name: override.flag });
    }
  }
}

function applyProgramLayer(state: Layering, values: Record<string, unknown>): void {
  for (const [key, raw] of flattenConfigObject(values)) {
    const spec = findConfigKey(key);
    const origin = 'createExai({ config })';
    if (spec === undefined) state.problems.push({ message: `unknown config key ${JSON.stringify(key)} in ${origin}`, origin, fix: `remove ${key} from ${origin}` });
    else applyValue(state, spec, raw, { kind: 'flag', name: `createExai({ config: { ${spec.key} } })` });
  }
}

function applyValue(state: Layering, spec: ConfigKeySpec, raw: unknown, source: ConfigSource): void {
  const parsed = spec.parse(raw, state.ctx);
  if (!parsed.ok) {
    const origin = describeOrigin(source);
    state.problems.push({ message: `invalid ${spec.key} ${showConfigValue(spec, raw)} from ${origin}: ${parsed.error}`, key: spec.key, origin, fix: fixFor(spec.key, source) });
    return;
  }
  setField(state.config, spec.field, parsed.value);
  state.sources[spec.key] = source;
}

function finish(state: Layering, configFilePath: string): LoadedConfig {
  checkCombinations(state);
  const loaded: LoadedConfig = { config: state.config, sources: state.sources, warnings: state.warnings, configFilePath };
  if (state.lenient) return { ...loaded, problems: state.problems };
  if (state.problems.length > 0) throw createConfigError(state.problems);
  return loaded;
}

function checkCombinations(state: Layering): void {
  const { retry } = state.config;
  if (retry.baseDelayMs > retry.maxDelayMs) {
    const source = state.sources['retry.baseDelayMs'] ?? { kind: 'default' };
    const origin = describeOrigin(source);
    const message = `invalid retry.baseDelayMs ${retry.baseDelayMs} from ${origin}: must not exceed retry.maxDelayMs (${retry.maxDelayMs})`;
    state.problems.push({ message, key: 'retry.baseDelayMs', origin, fix: fixFor('retry.baseDelayMs', source) });
    // Doctor carries on with a pair that works.
    if (state.lenient) retry.baseDelayMs = retry.maxDelayMs;
  }
}

export { createConfigError, type ConfigProblem } from './problems.js';

/** "EXAI_MAX_FILE_SIZE", "--max-size", "config file /x/config.json", "the default". */
export function describeOrigin(source: ConfigSource | undefined): string {
  if (source === undefined || source.kind === 'default') return 'the default';
  if (source.kind === 'file') return `config file ${source.path}`;
  return source.name;
}

function setField(config: Config, field: string, value: unknown): void {
  const parts = field.split('.');
  let node = config as unknown as Record<string, unknown>;
  for (const part of parts.slice(0, -1)) node = node[part] as Record<string, unknown>;
  node[parts[parts.length - 1] ?? field] = value;
}

function realpathOrUndefined(dir: string): string | undefined {
  try {
    return fs.realpathSync.native(dir);
  } catch {
    return undefined;
  }
}
