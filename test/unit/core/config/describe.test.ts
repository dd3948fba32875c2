import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CONFIG_KEYS, describeConfig, getConfigValue, maskSecret } from '../../../../src/core/config/describe.js';
import { loadConfig } from '../../../../src/core/config/load.js';
import type { LoadedConfig } from '../../../../src/core/config/load.js';

let tmp: string;
let home: string;
let loaded: LoadedConfig;
const kimiKey = 'sk-abcdefghijklmnopqrstuvwxyz0123';
const token = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ1In0.c2lnbmF0dXJlc2lnbmF0dXJl';

beforeAll(async () => {
  tmp = await fs.realpath(await fs.mkdtemp(path.join(os.tmpdir(), 'exai-describe-')));
  home = path.join(tmp, 'home');
  await fs.mkdir(path.join(home, '.config', 'exai'), { recursive: true });
  await fs.writeFile(path.join(home, '.config', 'exai', 'config.json'), JSON.stringify({ concurrency: 2 }));
  loaded = await loadConfig({
    env: { MOONSHOT_API_KEY: kimiKey, EXAI_ACCESS_TOKEN: token, SUPABASE_ANON_KEY: 'short', EXAI_MAX_FILE_SIZE: '95MiB' },
    cwd: tmp,
    home,
    flags: { lockTimeout: { value: '200s', flag: '--lock-timeout' } },
  });
});

afterAll(async () => {
  await fs.rm(tmp, { recursive: true, force: true });
});

describe('describeConfig', () => {
  it('lists every key once, with sources named for people', () => {
    const rows = describeConfig(loaded, { home });
    const byKey = new Map(rows.map((row) => [row.key, row]));
    expect(rows.map((row) => row.key)).toEqual([...CONFIG_KEYS.map((spec) => spec.key), 'dirs.config', 'dirs.data', 'dirs.state']);
    expect(byKey.get('maxFileSize')).toMatchObject({ value: '95.0 MiB (99614720 bytes)', raw: 99_614_720, source: 'env EXAI_MAX_FILE_SIZE' });
    expect(byKey.get('concurrency')).toMatchObject({ value: '2', source: 'file ~/.config/exai/config.json' });
    expect(byKey.get('lockTimeout')).toMatchObject({ value: '3m 20s (200000 ms)', source: 'flag --lock-timeout' });
    expect(byKey.get('retentionDays')).toMatchObject({ value: '30', source: 'default' });
    expect(byKey.get('provider')).toMatchObject({ value: '<unset>', raw: null });
    expect(byKey.get('dirs.config')).toMatchObject({ value: '~/.config/exai', source: 'default', env: 'EXAI_CONFIG_DIR' });
  });

  it('redacts secrets everywhere in the output', () => {
    const rows = describeConfig(loaded);
    const text = JSON.stringify(rows);
    expect(text).not.toContain(kimiKey.slice(3, -4));
    expect(text).not.toContain(token);
    expect(text).not.toContain('short');
    const byKey = new Map(rows.map((row) => [row.key, row]));
    expect(byKey.get('kimi.apiKey')).toMatchObject({ value: 'sk-…0123', secret: true, source: 'env MOONSHOT_API_KEY' });
    expect(byKey.get('supabaseAnonKey')).toMatchObject({ value: '<set>', raw: '<set>', secret: true });
    expect(byKey.get('glm.apiKey')).toMatchObject({ value: '<unset>', secret: true });
    expect(byKey.get('accessToken')?.value).toBe(`…${token.slice(-4)}`);
  });
});

describe('getConfigValue', () => {
  it('finds a key by name or by Config field name', () => {
    expect(getConfigValue(loaded, 'quota').value).toBe('10.0 GiB (10737418240 bytes)');
    expect(getConfigValue(loaded, 'lockTimeoutMs').key).toBe('lockTimeout');
    expect(getConfigValue(loaded, 'dirs.state').raw).toBe(path.join(home, '.local', 'state', 'exai'));
  });

  it('refuses an unknown key, listing the valid ones', () => {
    expect(() => getConfigValue(loaded, 'nope')).toThrow(/unknown config key "nope"/);
  });
});

describe('maskSecret', () => {
  it.each([
    [undefined, '<unset>'],
    ['', '<unset>'],
    ['fifteen-chars-x', '<set>'],
    ['sk-0123456789abcdef', 'sk-…cdef'],
    ['sb_secret_0123456789abcdef', 'sb_secret_…cdef'],
    ['sb_secret_0123456', '<set>'],
    ['0123456789abcdefgh', '…efgh'],
  ])('%j → %s', (value, masked) => {
    expect(maskSecret(value)).toBe(masked);
  });
});
