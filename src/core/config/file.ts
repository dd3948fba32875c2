/**
 * The config file, `<configDir>/config.json`. Reading is a plain JSON.parse to keep startup
 * fast, after checking nobody else can write the file (trust.ts); writing is an atomic
 * replace that never follows a link (write-file.ts), mode 0600 in a 0700 directory
 * (facts/security.md §5.2). A malformed file is an error, never silently cleared.
 */
import fsp from 'node:fs/promises';
import path from 'node:path';
import { ExaiError } from '../errors.js';
import { findConfigKey, listConfigKeyNames } from './keys.js';
import type { ConfigKeySpec } from './keys.js';
import { showConfigValue } from './show-value.js';
import { checkConfigTrust } from './trust.js';
import { refuseSymlink, writeConfigFileAtomic } from './write-file.js';

type JsonObject = Record<string, unknown>;

/**
 * Read the config file; undefined when it does not exist. Malformed → CONFIG_INVALID naming
 * it; writable by someone else → CONFIG_INVALID naming its owner and mode (trust.ts).
 */
export async function readConfigFile(filePath: string): Promise<JsonObject | undefined> {
  let handle: fsp.FileHandle;
  try {
    handle = await fsp.open(filePath, 'r');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw unreadable(filePath, error);
  }
  try {
    // Checked on the open handle, so what is judged is what is read.
    await checkConfigTrust(filePath, await handle.stat());
    return parseConfigText(filePath, await handle.readFile('utf8'));
  } catch (error) {
    if (error instanceof ExaiError) throw error;
    throw unreadable(filePath, error);
  } finally {
    await handle.close();
  }
}

/** Result of `setConfigValue`: what was stored, where. */
export interface SetResult {
  key: string;
  /** The value as written to the file. */
  stored: unknown;
  path: string;
}

/**
 * Validate `text` with the key's own parser and store it. Refuses secrets (they belong in the
 * environment), directory keys and unknown keys, each with a hint.
 */
export async function setConfigValue(filePath: string, key: string, text: string, options: { home?: string } = {}): Promise<SetResult> {
  const spec = requireSettableKey(key);
  const parsed = spec.parse(text, { home: options.home });
  if (!parsed.ok) {
    // A value typed on the command line: a usage error (2) like a bad flag value; exit 9 is
    // for a bad value already in the config file or the environment.
    throw new ExaiError('USAGE', `invalid ${spec.key} ${showConfigValue(spec, text)}: ${parsed.error}`, {
      hint: spec.description,
    });
  }
  // Sizes and durations keep the user's spelling ("100MB" reads better than 100000000).
  const stored = spec.kind === 'size' || spec.kind === 'duration' ? text.trim() : parsed.value;
  await updateConfigFile(filePath, (store) => {
    removeKey(store, spec);
    setNested(store, spec.key, stored);
  });
  return { key: spec.key, stored, path: filePath };
}

/** Remove a key from the config file; also removes unknown or secret keys left there. Returns whether it was present. */
export async function unsetConfigValue(filePath: string, key: string): Promise<boolean> {
  const spec = findConfigKey(key);
  await refuseSymlink(filePath);
  const current = (await readConfigFile(filePath)) ?? {};
  if (spec === undefined && getNested(current, key) === undefined) throw unknownKey(key);
  let removed = false;
  await updateConfigFile(filePath, (store) => {
    removed = spec === undefined ? deleteNested(store, key) : removeKey(store, spec);
  });
  return removed;
}

function requireSettableKey(key: string): ConfigKeySpec {
  if (key.startsWith('dirs.')) {
    throw new ExaiError('USAGE', `${key} cannot be set in the config file`, {
      hint: 'set EXAI_CONFIG_DIR, EXAI_DATA_DIR or EXAI_STATE_DIR in the environment',
    });
  }
  const spec = findConfigKey(key);
  if (spec === undefined) throw unknownKey(key);
  if (spec.secret) {
    throw new ExaiError('USAGE', `${spec.key} is a secret and is not stored in the config file`, {
      hint: `set ${spec.env.join(' or ')} in the environment (secrets are read from the environment, not the config file)`,
    });
  }
  return spec;
}

function unknownKey(key: string): ExaiError {
  return new ExaiError('USAGE', `unknown config key ${JSON.stringify(key)}`, {
    hint: `valid keys: ${listConfigKeyNames().join(', ')}`,
  });
}

async function updateConfigFile(filePath: string, change: (store: JsonObject) => void): Promise<void> {
  const dir = path.dirname(filePath);
  await secureDirectory(dir);
  await refuseSymlink(filePath); // before reading: never merge what a planted link points at
  const existing = (await readConfigFile(filePath)) ?? {};
  change(existing);
  await writeConfigFileAtomic(filePath, `${JSON.stringify(existing, null, 2)}\n`);
  // A file written under a directory others can change would be refused on the next start:
  // say so now, with the fix, rather than report success.
  await readConfigFile(filePath);
}

async function secureDirectory(dir: string): Promise<void> {
  try {
    await fsp.mkdir(dir, { recursive: true, mode: 0o700 });
    // Tighten a loose config dir of our own, but never through a link, and never a shared
    // sticky directory (EXAI_CONFIG_DIR=/tmp must not make /tmp private).
    const st = await fsp.lstat(dir);
    const ours = !st.isSymbolicLink() && st.uid === process.getuid?.() && (st.mode & 0o1000) === 0;
    if (ours && (st.mode & 0o077) !== 0) await fsp.chmod(dir, 0o700);
  } catch (error) {
    throw new ExaiError('CONFIG_INVALID', `cannot prepare config dir ${dir}: ${(error as Error).message}`, {
      hint: 'set EXAI_CONFIG_DIR to a directory you own',
      path: dir,
      cause: error,
    });
  }
}

function parseConfigText(filePath: string, text: string): JsonObject {
  let value: unknown;
  try {
    value = text.trim() === '' ? {} : JSON.parse(text);
  } catch (error) {
    // V8 quotes a piece of the text ('…, "-----BEGIN " is not valid JSON'): not repeated, the
    // file may be a link to something that is not a config.
    const reason = (error as Error).message.replace(/,? ".*" is not valid JSON$/s, '');
    throw new ExaiError('CONFIG_INVALID', `config file ${filePath} is not valid JSON: ${reason}`, {
      hint: `fix or delete ${filePath}`,
      path: filePath,
    });
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new ExaiError('CONFIG_INVALID', `config file ${filePath} must hold a JSON object`, {
      hint: `fix or delete ${filePath}`,
      path: filePath,
    });
  }
  return value as JsonObject;
}

function unreadable(filePath: string, error: unknown): ExaiError {
  return new ExaiError('CONFIG_INVALID', `cannot read config file ${filePath}: ${(error as Error).message}`, {
    hint: `check the permissions of ${filePath}`,
    path: filePath,
    cause: error,
  });
}

// A key may be stored nested ({"kimi":{"baseUrl":…}}), flat ("kimi.baseUrl") or under its
// field name ("lockTimeoutMs"); remove every spelling so one value remains.
function removeKey(store: JsonObject, spec: ConfigKeySpec): boolean {
  const a = deleteNested(store, spec.key);
  const b = spec.field !== spec.key && deleteNested(store, spec.field);
  return a || b;
}

function deleteNested(store: JsonObject, key: string): boolean {
  let removed = false;
  if (Object.hasOwn(store, key)) removed = delete store[key];
  const [head, ...rest] = key.split('.');
  if (head === undefined || rest.length === 0) return removed;
  const child = store[head];
  if (!isObject(child)) return removed;
  removed = deleteNested(child, rest.join('.')) || removed;
  if (Object.keys(child).length === 0) delete store[head];
  return removed;
}

function setNested(store: JsonObject, key: string, value: unknown): void {
  const parts = key.split('.');
  let node = store;
  for (const part of parts.slice(0, -1)) {
    const child = node[part];
    node = isObject(child) ? child : (node[part] = {});
  }
  node[parts[parts.length - 1] ?? key] = value;
}

function getNested(store: JsonObject, key: string): unknown {
  if (Object.hasOwn(store, key)) return store[key];
  const [head, ...rest] = key.split('.');
  const child = head === undefined ? undefined : store[head];
  return rest.length > 0 && isObject(child) ? getNested(child, rest.join('.')) : undefined;
}

/** True for a plain JSON object (not an array or null). */
export function isObject(value: unknown): value is JsonObject {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** Flatten nested objects into dotted keys: {"kimi":{"baseUrl":x}} → {"kimi.baseUrl": x}. */
export function flattenConfigObject(store: JsonObject, prefix = ''): Array<[string, unknown]> {
  return Object.entries(store).flatMap(([name, value]): Array<[string, unknown]> =>
    isObject(value) ? flattenConfigObject(value, `${prefix}${name}.`) : [[`${prefix}${name}`, value]],
  );
}
