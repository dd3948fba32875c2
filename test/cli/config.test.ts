import fs from 'node:fs/promises';
import path from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { makeWorkspace, runMain } from './run-main.js';

let ws: Awaited<ReturnType<typeof makeWorkspace>>;
const exai = (argv: string[], env: Record<string, string> = {}) => runMain(argv, { cwd: ws.cwd, env: { ...ws.env, ...env } });

beforeEach(async () => {
  ws = await makeWorkspace();
});

describe('exai config (in-process)', () => {
  it('path prints the config file inside EXAI_CONFIG_DIR', async () => {
    const r = await exai(['config', 'path']);
    expect(r.code).toBe(0);
    expect(r.stdout.trim()).toBe(path.join(ws.env.EXAI_CONFIG_DIR, 'config.json'));
  });

  it('set writes a 0600 file that get, list and a later validate all see', async () => {
    const set = await exai(['config', 'set', 'maxFileSize', '1KB']);
    expect(set.code).toBe(0);
    const stat = await fs.stat(path.join(ws.env.EXAI_CONFIG_DIR, 'config.json'));
    expect(stat.mode & 0o777).toBe(0o600);
    const get = await exai(['config', 'get', 'maxFileSize', '--json']);
    expect(JSON.parse(get.stdout)).toMatchObject({ key: 'maxFileSize', source: expect.stringContaining('file') as string });
    const list = await exai(['config', 'list']);
    expect(list.stdout).toMatch(/^maxFileSize = .*\(file /m);
    await fs.writeFile(path.join(ws.cwd, 'a.txt'), 'x'.repeat(2000));
    expect((await exai(['validate', 'a.txt'])).code).toBe(3);
    expect((await exai(['validate', '--max-size', '1MB', 'a.txt'])).code).toBe(0);
  });

  it('the environment beats the file, and unset goes back to the default', async () => {
    await exai(['config', 'set', 'maxFileSize', '1KB']);
    const fromEnv = await exai(['config', 'get', 'maxFileSize', '--json'], { EXAI_MAX_FILE_SIZE: '2MB' });
    expect(JSON.parse(fromEnv.stdout)).toMatchObject({ source: 'env EXAI_MAX_FILE_SIZE' });
    expect((await exai(['config', 'unset', 'maxFileSize'])).code).toBe(0);
    const back = await exai(['config', 'get', 'maxFileSize', '--json']);
    expect(JSON.parse(back.stdout)).toMatchObject({ source: 'default' });
  });

  it('list --json shows secrets as set or unset, never their value', async () => {
    const r = await exai(['config', 'list', '--json'], { MOONSHOT_API_KEY: 'sk-test-secret-123456' });
    expect(r.code).toBe(0);
    expect(r.stdout).not.toContain('sk-test-secret-123456');
    const rows = JSON.parse(r.stdout) as { key: string; value: string; secret: boolean }[];
    expect(rows.find((row) => row.key === 'kimi.apiKey')).toMatchObject({ secret: true });
  });

  it('rejects an invalid value typed on the command line with exit 2 (usage) and an unknown key with exit 2', async () => {
    const bad = await exai(['config', 'set', 'maxFileSize', '-5']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('maxFileSize');
    expect((await exai(['config', 'get', 'nope'])).code).toBe(2);
    expect((await exai(['config', 'frobnicate'])).code).toBe(2);
  });

  it('an invalid value in the environment fails any command with exit 9 naming where it came from', async () => {
    const r = await exai(['config', 'list'], { EXAI_RETENTION_DAYS: '0' });
    expect(r.code).toBe(9);
    expect(r.stderr).toMatch(/retentionDays/);
    expect(r.stderr).toContain('EXAI_RETENTION_DAYS');
  });
});
