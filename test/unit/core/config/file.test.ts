import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ExaiError } from '../../../../src/core/errors.js';
import { readConfigFile, setConfigValue, unsetConfigValue } from '../../../../src/core/config/file.js';
import { loadConfig } from '../../../../src/core/config/load.js';

let tmp: string;
let configDir: string;
let file: string;

beforeEach(async () => {
  tmp = await fs.realpath(await fs.mkdtemp(path.join(os.tmpdir(), 'exai-config-file-')));
  configDir = path.join(tmp, 'conf', 'exai');
  file = path.join(configDir, 'config.json');
});

afterEach(async () => {
  await fs.rm(tmp, { recursive: true, force: true });
});

async function rejection(promise: Promise<unknown>): Promise<ExaiError> {
  const error: unknown = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ExaiError);
  return error as ExaiError;
}

const mode = async (p: string): Promise<number> => (await fs.stat(p)).mode & 0o777;

describe('readConfigFile', () => {
  it('returns undefined when there is no file', async () => {
    expect(await readConfigFile(file)).toBeUndefined();
  });

  it.each(['{"a": ', '[1, 2]', 'null'])('refuses %j with CONFIG_INVALID naming the file', async (text) => {
    await fs.mkdir(configDir, { recursive: true });
    await fs.writeFile(file, text);
    const error = await rejection(readConfigFile(file));
    expect(error.name).toBe('CONFIG_INVALID');
    expect(error.exitCode).toBe(9);
    expect(error.message).toContain(file);
    expect(await fs.readFile(file, 'utf8')).toBe(text);
  });
});

describe('setConfigValue / unsetConfigValue', () => {
  it('writes the file 0600 in a 0700 directory, even over a looser existing one', async () => {
    await fs.mkdir(configDir, { recursive: true, mode: 0o755 });
    await fs.chmod(configDir, 0o755);
    await fs.writeFile(file, '{}', { mode: 0o644 });
    await setConfigValue(file, 'maxFileSize', '100MB');
    expect(await mode(file)).toBe(0o600);
    expect(await mode(configDir)).toBe(0o700);
  });

  it('creates a missing directory 0700 and a new file 0600', async () => {
    await setConfigValue(file, 'concurrency', '8');
    expect(await mode(file)).toBe(0o600);
    expect(await mode(configDir)).toBe(0o700);
  });

  it('round-trips set and unset through the loader', async () => {
    const home = path.join(tmp, 'home');
    const env = { EXAI_CONFIG_DIR: configDir };
    await setConfigValue(file, 'maxFileSize', '100MB');
    await setConfigValue(file, 'kimi.baseUrl', 'http://127.0.0.1:1234/v1/');
    await setConfigValue(file, 'blockedExtensions', 'EXE bat');
    expect(JSON.parse(await fs.readFile(file, 'utf8'))).toEqual({
      maxFileSize: '100MB',
      kimi: { baseUrl: 'http://127.0.0.1:1234/v1' },
      blockedExtensions: ['.exe', '.bat'],
    });
    const loaded = await loadConfig({ env, cwd: tmp, home });
    expect(loaded.config.maxFileSize).toBe(100_000_000);
    expect(loaded.sources['maxFileSize']).toEqual({ kind: 'file', path: file });
    expect(loaded.config.kimi.baseUrl).toBe('http://127.0.0.1:1234/v1');

    expect(await unsetConfigValue(file, 'kimi.baseUrl')).toBe(true);
    expect(await unsetConfigValue(file, 'kimi.baseUrl')).toBe(false);
    expect(JSON.parse(await fs.readFile(file, 'utf8'))).toEqual({ maxFileSize: '100MB', blockedExtensions: ['.exe', '.bat'] });
    const after = await loadConfig({ env, cwd: tmp, home });
    expect(after.config.kimi.baseUrl).toBe('https://api.moonshot.ai/v1');
  });

  it('replaces a value stored under its field name or as a flat dotted key', async () => {
    await fs.mkdir(configDir, { recursive: true });
    await fs.writeFile(file, JSON.stringify({ lockTimeoutMs: 1000, 'retry.maxAttempts': 2 }));
    await setConfigValue(file, 'lockTimeout', '2m');
    await setConfigValue(file, 'retry.maxAttempts', '3');
    expect(JSON.parse(await fs.readFile(file, 'utf8'))).toEqual({ lockTimeout: '2m', retry: { maxAttempts: 3 } });
  });

  it('validates with the same parser as the loader and writes nothing on failure', async () => {
    const error = await rejection(setConfigValue(file, 'maxFileSize', '-5MB'));
    // Typed on the command line: a usage error, like a bad flag value (a bad stored value is CONFIG_INVALID).
    expect(error.name).toBe('USAGE');
    expect(error.message).toBe('invalid maxFileSize "-5MB": sizes must be positive (e.g. 100MB, 512MiB, 1048576)');
    expect(await readConfigFile(file)).toBeUndefined();
  });

  it('refuses unknown keys, listing the valid ones', async () => {
    const error = await rejection(setConfigValue(file, 'maxFileSise', '1MB'));
    expect(error.message).toContain('unknown config key "maxFileSise"');
    expect(error.hint).toContain('maxFileSize');
    expect(error.hint).toContain('allowedPaths');
  });

  it('refuses secrets with a hint to use the environment', async () => {
    const error = await rejection(setConfigValue(file, 'kimi.apiKey', 'sk-abcdefghijklmnop'));
    expect(error.message).not.toContain('sk-abcdefghijklmnop');
    expect(error.hint).toContain('MOONSHOT_API_KEY');
    expect(await readConfigFile(file)).toBeUndefined();
  });

  it('refuses directory keys', async () => {
    const error = await rejection(setConfigValue(file, 'dirs.data', '/tmp/x'));
    expect(error.hint).toContain('EXAI_DATA_DIR');
  });

  it('unset removes a stray secret or unknown key, and refuses a key that is neither known nor present', async () => {
    await fs.mkdir(configDir, { recursive: true });
    await fs.writeFile(file, JSON.stringify({ glm: { apiKey: 'x' }, oldKey: 1, concurrency: 2 }));
    expect(await unsetConfigValue(file, 'glm.apiKey')).toBe(true);
    expect(await unsetConfigValue(file, 'oldKey')).toBe(true);
    expect(JSON.parse(await fs.readFile(file, 'utf8'))).toEqual({ concurrency: 2 });
    const error = await rejection(unsetConfigValue(file, 'neverKnown'));
    expect(error.message).toContain('unknown config key "neverKnown"');
  });

  it('refuses to write over a malformed file', async () => {
    await fs.mkdir(configDir, { recursive: true });
    await fs.writeFile(file, '{oops');
    const error = await rejection(setConfigValue(file, 'concurrency', '2'));
    expect(error.name).toBe('CONFIG_INVALID');
    expect(error.message).toContain(file);
    expect(await fs.readFile(file, 'utf8')).toBe('{oops');
  });
});
