/** Effective values for `exai config list|get`: formatted for people, sources named, secrets redacted. */
import { ExaiError } from '../errors.js';
import { formatBytes, formatDuration } from '../units.js';
import { CONFIG_KEYS, DIR_KEYS, findConfigKey, listConfigKeyNames } from './keys.js';
import type { ConfigKeySpec } from './keys.js';
import type { LoadedConfig } from './load.js';
import type { ConfigSource } from './types.js';

export { CONFIG_KEYS, DIR_KEYS, findConfigKey } from './keys.js';
export type { ConfigKeySpec, KeyKind } from './keys.js';

/** One row of `exai config list`. */
export interface DescribedValue {
  key: string;
  /** For people: "512.0 MiB (536870912 bytes)", "5m", "a, b", "<unset>", secrets "<set>" or "sk-…abcd". */
  value: string;
  /** For --json: the typed value; for secrets the same redacted text as `value`; null when unset. */
  raw: unknown;
  /** "default", "file ~/.config/exai/config.json", "env EXAI_MAX_FILE_SIZE", "flag --max-size". */
  source: string;
  secret: boolean;
  /** The canonical environment name, if the key has one. */
  env: string | undefined;
  description: string;
}

/** Every key with its effective value and source; `home` shortens file paths to "~/…". */
export function describeConfig(loaded: LoadedConfig, options: { home?: string } = {}): DescribedValue[] {
  const rows = CONFIG_KEYS.map((spec) => describeKey(loaded, spec, options.home));
  for (const dir of DIR_KEYS) {
    const value = readField(loaded, dir.key) as string;
    rows.push({
      key: dir.key,
      value: tildify(value, options.home),
      raw: value,
      source: formatSource(loaded.sources[dir.key], options.home),
      secret: false,
      env: dir.env,
      description: dir.description,
    });
  }
  return rows;
}

/** One key's row (by key or field name); unknown key → USAGE listing the valid keys. */
export function getConfigValue(loaded: LoadedConfig, key: string, options: { home?: string } = {}): DescribedValue {
  const row = describeConfig(loaded, options).find((entry) => entry.key === key);
  if (row !== undefined) return row;
  const spec = findConfigKey(key);
  if (spec !== undefined) return describeKey(loaded, spec, options.home);
  throw new ExaiError('USAGE', `unknown config key ${JSON.stringify(key)}`, {
    hint: `valid keys: ${[...listConfigKeyNames(), ...DIR_KEYS.map((d) => d.key)].join(', ')}`,
  });
}

/**
 * Mask a secret: "<unset>", "<set>" when short, else its public prefix (if it has one, like
 * "sk-" or "sb_secret_") and last four characters: "sk-…abcd".
 */
export function maskSecret(value: string | undefined): string {
  if (value === undefined || value === '') return '<unset>';
  if (value.length < 16) return '<set>';
  const prefix = /^[a-z]{1,8}[-_](?:[a-z]{1,10}_)?/i.exec(value)?.[0] ?? '';
  if (value.length - prefix.length - 4 < 8) return '<set>';
  return `${prefix}…${value.slice(-4)}`;
}

/** "default", "file <path>", "env NAME", "flag --name". */
export function formatSource(source: ConfigSource | undefined, home?: string): string {
  if (source === undefined || source.kind === 'default') return 'default';
  if (source.kind === 'file') return `file ${tildify(source.path, home)}`;
  return `${source.kind} ${source.name}`;
}

function describeKey(loaded: LoadedConfig, spec: ConfigKeySpec, home: string | undefined): DescribedValue {
  const value = readField(loaded, spec.field);
  const shown = spec.secret ? maskSecret(value as string | undefined) : formatValue(spec, value);
  return {
    key: spec.key,
    value: shown,
    raw: spec.secret ? shown : (value ?? null),
    source: formatSource(loaded.sources[spec.key], home),
    secret: spec.secret,
    env: spec.env[0],
    description: spec.description,
  };
}

function formatValue(spec: ConfigKeySpec, value: unknown): string {
  if (value === undefined || value === null) return '<unset>';
  if (spec.kind === 'size' && typeof value === 'number') return `${formatBytes(value)} (${value} bytes)`;
  if (spec.kind === 'duration' && typeof value === 'number') return `${formatDuration(value)} (${value} ms)`;
  if (Array.isArray(value)) return value.length === 0 ? '<none>' : value.join(spec.key === 'allowedPaths' ? ':' : ', ');
  return typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean' ? String(value) : JSON.stringify(value);
}

function readField(loaded: LoadedConfig, field: string): unknown {
  let node: unknown = loaded.config;
  for (const part of field.split('.')) node = (node as Record<string, unknown> | undefined)?.[part];
  return node;
}

function tildify(filePath: string, home: string | undefined): string {
  if (home === undefined || home === '' || home === '/') return filePath;
  if (filePath === home) return '~';
  return filePath.startsWith(`${home}/`) ? `~${filePath.slice(home.length)}` : filePath;
}
