import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ExaiError } from '../../../../src/core/errors.js';
import { applyFlagOverrides, loadConfig } from '../../../../src/core/config/load.js';
import type { LoadConfigInput, LoadedConfig } from '../../../../src/core/config/load.js';

let tmp: string;
let home: string;
let cwd: string;
let configDir: string;

beforeEach(async () => {
  tmp = await fs.realpath(await fs.mkdtemp(path.join(os.tmpdir(), 'exai-config-')));
  home = path.join(tmp, 'home');
  cwd = path.join(tmp, 'project');
  configDir = path.join(home, '.config', 'exai');
  await fs.mkdir(cwd, { recursive: true });
  await fs.mkdir(configDir, { recursive: true });
});

afterEach(async () => {
  await fs.rm(tmp, { recursive: true, force: true });
});

const load = (env: LoadConfigInput['env'] = {}, flags?: LoadConfigInput['flags']): Promise<LoadedConfig> =>
  loadConfig({ env, cwd, home, ...(flags ? { flags } : {}) });

const writeConfig = (value: unknown): Promise<void> =>
  fs.writeFile(path.join(configDir, 'config.json'), JSON.stringify(value));

async function loadError(env: LoadConfigInput['env'], flags?: LoadConfigInput['flags']): Promise<ExaiError> {
  const error: unknown = await load(env, flags).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ExaiError);
  const exai = error as ExaiError;
  expect(exai.name).toBe('CONFIG_INVALID');
  expect(exai.exitCode).toBe(9);
  return exai;
}

describe('loadConfig defaults', () => {
  it('uses typed defaults with the realpath of cwd as the only allowed path', async () => {
    const { config, sources, configFilePath, warnings } = await load();
    expect(config.allowedPaths).toEqual([cwd]);
    expect(config.maxFileSize).toBe(512 * 1024 * 1024);
    expect(config.quotaBytes).toBe(10 * 1024 ** 3);
    expect(config.lockTimeoutMs).toBe(300_000);
    expect(config.leaseMs).toBe(60_000);
    expect(config.concurrency).toBe(4);
    expect(config.retentionDays).toBe(30);
    expect(config.provider).toBeUndefined();
    expect(config.allowExternalPaths).toBe(false);
    expect(config.kimi.baseUrl).toBe('https://api.moonshot.ai/v1');
    expect(config.glm.baseUrl).toBe('https://api.z.ai/api/paas/v4');
    expect(config.blockedExtensions).toContain('.exe');
    expect(config.dirs).toEqual({
      config: configDir,
      data: path.join(home, '.local', 'share', 'exai'),
      state: path.join(home, '.local', 'state', 'exai'),
    });
    expect(sources['maxFileSize']).toEqual({ kind: 'default' });
    expect(configFilePath).toBe(path.join(configDir, 'config.json'));
    expect(warnings).toEqual([]);
  });

  it('stores allowed paths realpath-ed (through a symlinked cwd)', async () => {
    const link = path.join(tmp, 'link');
    await fs.symlink(cwd, link);
    const { config } = await loadConfig({ env: {}, cwd: link, home });
    expect(config.allowedPaths).toEqual([cwd]);
  });
});

describe('loadConfig precedence', () => {
  it('layers defaults < file < env < flags and reports where each value came from', async () => {
    await writeConfig({ maxFileSize: '10MB', concurrency: 2, retentionDays: 7, lockTimeout: '1m' });
    const loaded = await load(
      { EXAI_MAX_FILE_SIZE: '20MB', EXAI_CONCURRENCY: '3' },
      { maxFileSize: { value: '30MB', flag: '--max-size' } },
    );
    const file = { kind: 'file', path: path.join(configDir, 'config.json') };
    expect(loaded.config.maxFileSize).toBe(30_000_000);
    expect(loaded.sources['maxFileSize']).toEqual({ kind: 'flag', name: '--max-size' });
    expect(loaded.config.concurrency).toBe(3);
    expect(loaded.sources['concurrency']).toEqual({ kind: 'env', name: 'EXAI_CONCURRENCY' });
    expect(loaded.config.retentionDays).toBe(7);
    expect(loaded.sources['retentionDays']).toEqual(file);
    expect(loaded.config.lockTimeoutMs).toBe(60_000);
    expect(loaded.sources['lockTimeout']).toEqual(file);
    expect(loaded.sources['quota']).toEqual({ kind: 'default' });
  });

  it('reads nested keys from the file', async () => {
    await writeConfig({ kimi: { baseUrl: 'http://127.0.0.1:9999/v1/' }, retry: { maxAttempts: 2 } });
    const { config } = await load();
    expect(config.kimi.baseUrl).toBe('http://127.0.0.1:9999/v1');
    expect(config.retry.maxAttempts).toBe(2);
  });

  it('treats empty environment values as unset', async () => {
    const { config, sources } = await load({ EXAI_MAX_FILE_SIZE: '', EXAI_PROVIDER: '  ' });
    expect(config.maxFileSize).toBe(512 * 1024 * 1024);
    expect(sources['provider']).toEqual({ kind: 'default' });
  });

  it('applyFlagOverrides layers command flags on a loaded config without changing it', async () => {
    const loaded = await load({ EXAI_MAX_FILE_SIZE: '20MB' });
    const next = applyFlagOverrides(loaded, { maxFileSize: { value: '1MiB', flag: '--max-size' } });
    expect(next.config.maxFileSize).toBe(1_048_576);
    expect(next.sources['maxFileSize']).toEqual({ kind: 'flag', name: '--max-size' });
    expect(loaded.config.maxFileSize).toBe(20_000_000);
    expect(() => applyFlagOverrides(loaded, { maxFileSize: { value: '-1', flag: '--max-size' } })).toThrow(
      /invalid maxFileSize "-1" from --max-size: sizes must be positive/,
    );
  });
});

describe('loadConfig environment values', () => {
  it('reads a ":"-separated allowed path list, each realpath-ed', async () => {
    const other = path.join(tmp, 'other');
    await fs.mkdir(other);
    const { config, sources } = await load({ EXAI_ALLOWED_PATHS: `${cwd}:${other}:` });
    expect(config.allowedPaths).toEqual([cwd, other]);
    expect(sources['allowedPaths']).toEqual({ kind: 'env', name: 'EXAI_ALLOWED_PATHS' });
  });

  it.each([
    ['true', true],
    ['1', true],
    ['YES', true],
    ['false', false],
    ['0', false],
    ['no', false],
  ])('EXAI_ALLOW_EXTERNAL_PATHS=%s → %s', async (text, expected) => {
    const { config } = await load({ EXAI_ALLOW_EXTERNAL_PATHS: text });
    expect(config.allowExternalPaths).toBe(expected);
  });

  it('rejects any other boolean spelling, naming key, value and source', async () => {
    const error = await loadError({ EXAI_ALLOW_EXTERNAL_PATHS: 'maybe' });
    expect(error.message).toBe(
      'invalid allowExternalPaths "maybe" from EXAI_ALLOW_EXTERNAL_PATHS: expected true/false, 1/0 or yes/no',
    );
  });

  it('normalises blocked extensions and MIME types', async () => {
    const { config } = await load({ EXAI_BLOCKED_EXTENSIONS: 'EXE, .Bat  sh', EXAI_ALLOWED_MIME_TYPES: 'application/PDF, text/*' });
    expect(config.blockedExtensions).toEqual(['.exe', '.bat', '.sh']);
    expect(config.allowedMimeTypes).toEqual(['application/pdf', 'text/*']);
  });

  it('reads providers, durations, sizes, urls and the dirs', async () => {
    const data = path.join(tmp, 'data');
    const { config } = await load({
      EXAI_PROVIDER: 'GLM',
      EXAI_LOCK_TIMEOUT: '90',
      EXAI_LEASE: '2m',
      EXAI_QUOTA: '1GiB',
      EXAI_RETENTION_DAYS: '90',
      EXAI_GLM_BASE_URL: 'http://127.0.0.1:8080/api/paas/v4/',
      SUPABASE_URL: 'https://abc.supabase.co',
      EXAI_DATA_DIR: data,
    });
    expect(config.provider).toBe('glm');
    expect(config.lockTimeoutMs).toBe(90_000);
    expect(config.leaseMs).toBe(120_000);
    expect(config.quotaBytes).toBe(1024 ** 3);
    expect(config.retentionDays).toBe(90);
    expect(config.glm.baseUrl).toBe('http://127.0.0.1:8080/api/paas/v4');
    expect(config.supabaseUrl).toBe('https://abc.supabase.co');
    expect(config.dirs.data).toBe(data);
  });

  it('reads the request deadline and the minimum rate, from the environment and the file', async () => {
    expect((await load()).config.http).toMatchObject({ requestDeadlineMs: 300_000, minRateBytesPerSec: 32 * 1024 });
    const fromEnv = await load({ EXAI_REQUEST_DEADLINE: '90', EXAI_MIN_RATE: '64KiB' });
    expect(fromEnv.config.http).toMatchObject({ requestDeadlineMs: 90_000, minRateBytesPerSec: 64 * 1024 });
    expect(fromEnv.sources['http.requestDeadline']).toEqual({ kind: 'env', name: 'EXAI_REQUEST_DEADLINE' });
    await writeConfig({ http: { requestDeadline: '2m', minRate: '1MB' } });
    expect((await load()).config.http).toMatchObject({ requestDeadlineMs: 120_000, minRateBytesPerSec: 1_000_000 });
  });

  it('reads secrets and their aliases from the environment, canonical name first', async () => {
    const loaded = await load({
      KIMI_API_KEY: 'sk-kimi-alias-000000000',
      ZHIPUAI_API_KEY: 'zhipu-1',
      GLM_API_KEY: 'glm-2',
      SUPABASE_PUBLISHABLE_KEY: 'sb_publishable_x',
      SUPABASE_SECRET_KEY: 'sb_secret_y',
      EXAI_ACCESS_TOKEN: 'token',
    });
    expect(loaded.config.kimi.apiKey).toBe('sk-kimi-alias-000000000');
    expect(loaded.sources['kimi.apiKey']).toEqual({ kind: 'env', name: 'KIMI_API_KEY' });
    expect(loaded.config.glm.apiKey).toBe('glm-2');
    expect(loaded.sources['glm.apiKey']).toEqual({ kind: 'env', name: 'GLM_API_KEY' });
    expect(loaded.warnings).toEqual(['GLM_API_KEY and ZHIPUAI_API_KEY are both set; using GLM_API_KEY']);
    expect(loaded.config.supabaseAnonKey).toBe('sb_publishable_x');
    expect(loaded.config.supabaseServiceRoleKey).toBe('sb_secret_y');
    expect(loaded.config.accessToken).toBe('token');
  });
});

describe('loadConfig validation', () => {
  it.each([
    [{ EXAI_MAX_FILE_SIZE: '-5MB' }, 'invalid maxFileSize "-5MB" from EXAI_MAX_FILE_SIZE: sizes must be positive (e.g. 100MB, 512MiB, 1048576)'],
    [{ EXAI_RETENTION_DAYS: '0' }, 'invalid retentionDays "0" from EXAI_RETENTION_DAYS: must be a whole number from 1 to 36500'],
    [{ EXAI_CONCURRENCY: 'NaN' }, 'invalid concurrency "NaN" from EXAI_CONCURRENCY'],
    [{ EXAI_CONCURRENCY: '0' }, 'invalid concurrency "0" from EXAI_CONCURRENCY'],
    [{ EXAI_CONCURRENCY: '65' }, 'invalid concurrency "65" from EXAI_CONCURRENCY'],
    [{ EXAI_PROVIDER: 'openai' }, 'invalid provider "openai" from EXAI_PROVIDER: must be one of kimi, glm, local'],
    [{ EXAI_KIMI_BASE_URL: 'ftp://example.com' }, 'invalid kimi.baseUrl "ftp://example.com" from EXAI_KIMI_BASE_URL: must be an http(s) URL'],
    [{ EXAI_ALLOWED_PATHS: 'relative/dir' }, 'invalid allowedPaths "relative/dir" from EXAI_ALLOWED_PATHS: "relative/dir" is not an absolute path'],
    [{ EXAI_LOCK_TIMEOUT: 'soon' }, 'invalid lockTimeout "soon" from EXAI_LOCK_TIMEOUT: not a duration'],
    // Renewed every third of it: a lease must leave each renewal a couple of seconds.
    [{ EXAI_LEASE: '1' }, 'invalid lease "1" from EXAI_LEASE: must be at least 6000ms'],
    [{ EXAI_LEASE: '5999ms' }, 'invalid lease "5999ms" from EXAI_LEASE: must be at least 6000ms'],
    [{ EXAI_REQUEST_DEADLINE: 'never' }, 'invalid http.requestDeadline "never" from EXAI_REQUEST_DEADLINE: not a duration'],
    [{ EXAI_REQUEST_DEADLINE: '50ms' }, 'invalid http.requestDeadline "50ms" from EXAI_REQUEST_DEADLINE: must be at least 100ms'],
    [{ EXAI_MIN_RATE: '0' }, 'invalid http.minRate "0" from EXAI_MIN_RATE'],
    [{ EXAI_CONFIG_DIR: 'rel/config' }, 'invalid dirs.config "rel/config" from EXAI_CONFIG_DIR: directories must be absolute paths'],
  ])('%j → CONFIG_INVALID naming key, value and source', async (env, expected) => {
    const error = await loadError(env);
    expect(error.message).toContain(expected);
  });

  it('names a missing allowed path', async () => {
    const missing = path.join(tmp, 'nope');
    const error = await loadError({ EXAI_ALLOWED_PATHS: `${cwd}:${missing}` });
    expect(error.message).toContain(`"${missing}" does not exist`);
  });

  it('reports every problem together in one error', async () => {
    await writeConfig({ retentionDays: 0 });
    const error = await loadError(
      { EXAI_MAX_FILE_SIZE: '-5MB', EXAI_CONCURRENCY: '0', EXAI_PROVIDER: 'openai' },
      { lockTimeout: { value: 'later', flag: '--lock-timeout' } },
    );
    expect(error.message).toMatch(/^5 configuration problems:/);
    expect(error.message).toContain(`invalid retentionDays 0 from config file ${path.join(configDir, 'config.json')}`);
    expect(error.message).toContain('from EXAI_MAX_FILE_SIZE');
    expect(error.message).toContain('from EXAI_CONCURRENCY');
    expect(error.message).toContain('from EXAI_PROVIDER');
    expect(error.message).toContain('invalid lockTimeout "later" from --lock-timeout');
    expect(error.details?.['problems']).toHaveLength(5);
    expect(error.hint).toBeTruthy();
  });

  it('never puts a secret in an error message', async () => {
    const secret = 'sk-very-secret-value-1234567890';
    const error = await loadError(
      { MOONSHOT_API_KEY: secret, SUPABASE_SECRET_KEY: secret, EXAI_CONCURRENCY: '0' },
      { accessToken: { value: secret, flag: '--token' }, 'kimi.apiKey': { value: secret, flag: '--key' } },
    );
    expect(error.message).toContain('accessToken cannot be given as a flag (--token)');
    expect(error.message).toContain('kimi.apiKey cannot be given as a flag (--key)');
    expect(error.message).toContain('invalid concurrency "0"');
    expect(JSON.stringify(error.toJSON())).not.toContain(secret);
    expect(JSON.stringify(error.details)).not.toContain(secret);
  });

  it('redacts credentials in a URL value', async () => {
    const error = await loadError({ EXAI_PUSHGATEWAY_URL: 'https://user:hunter2@push.example/' });
    expect(error.message).toContain('"https://<redacted>@push.example/"');
    expect(error.message).not.toContain('hunter2');
  });

  it('a malformed config file is CONFIG_INVALID naming the file, and is left in place', async () => {
    const file = path.join(configDir, 'config.json');
    await fs.writeFile(file, '{"maxFileSize": ');
    const error = await loadError({});
    expect(error.message).toContain(file);
    expect(await fs.readFile(file, 'utf8')).toBe('{"maxFileSize": ');
  });
});

describe('loadConfig file warnings', () => {
  it('ignores secrets in the config file with a warning', async () => {
    await writeConfig({ kimi: { apiKey: 'sk-from-file-0000000000' }, accessToken: 'tok' });
    const loaded = await load({});
    expect(loaded.config.kimi.apiKey).toBeUndefined();
    expect(loaded.config.accessToken).toBeUndefined();
    expect(loaded.warnings).toHaveLength(2);
    for (const warning of loaded.warnings) {
      expect(warning).toContain('secrets are read from the environment, not the config file');
      expect(warning).not.toContain('sk-from-file');
    }
  });

  it('warns about unknown keys instead of failing', async () => {
    await writeConfig({ maxFileSise: '1MB', concurrency: 8 });
    const loaded = await load({});
    expect(loaded.config.concurrency).toBe(8);
    expect(loaded.warnings).toEqual([expect.stringContaining('unknown key "maxFileSise"') as unknown]);
  });
});
