/**
 * Doctor is what you run when something is wrong: a bad config value, a malformed or unsafe
 * config.json, or a bad EXAI_* variable is a failed check with its fix — never exit 9 before
 * anything was checked — and the other checks still run with defaults.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startFakeProvider, type FakeProvider } from '../servers/fake-provider.js';
import { makeSandbox, runCli, type Sandbox } from './catalog-cli.js';

const KEY = 'sk-test-doctorcfg-SECRET-0123456789abcdef';

interface Doc {
  ok: boolean;
  checks: Array<{ name: string; status: string; message: string; hint?: string }>;
}

let kimi: FakeProvider;
let sb: Sandbox;
let configFile: string;

beforeEach(async () => {
  kimi = await startFakeProvider({ kind: 'kimi', apiKey: KEY });
  sb = await makeSandbox({ MOONSHOT_API_KEY: KEY, EXAI_KIMI_BASE_URL: kimi.url });
  for (const d of ['config', 'data', 'state']) await fs.chmod(path.join(sb.root, d), 0o700);
  configFile = path.join(sb.env.EXAI_CONFIG_DIR!, 'config.json');
});

afterEach(async () => {
  await kimi.close();
  await fs.rm(sb.root, { recursive: true, force: true });
});

async function writeConfig(text: string, mode = 0o600): Promise<void> {
  await fs.writeFile(configFile, text, { mode });
  await fs.chmod(configFile, mode);
}

const doctor = async (env: Record<string, string> = {}) => {
  const r = await runCli({ ...sb, env: { ...sb.env, ...env } }, ['doctor', '--json']);
  return { ...r, doc: JSON.parse(r.stdout) as Doc };
};
const failed = (doc: Doc) => doc.checks.filter((c) => c.status === 'fail');

/** The checks that need no config value still ran (and the provider was really asked). */
function expectOtherChecksRan(doc: Doc): void {
  const names = doc.checks.map((c) => c.name);
  for (const name of ['dir config', 'dir data', 'dir state', 'private files', 'provider kimi', 'catalog', 'locks', 'node']) expect(names).toContain(name);
  expect(doc.checks.find((c) => c.name === 'provider kimi')?.status).toBe('ok');
}

describe('exai doctor with a config that other commands refuse (exit 9)', () => {
  it('a bad value in config.json: a failed check naming the file, the key, the rule and the fix; exit 1', async () => {
    await writeConfig(JSON.stringify({ maxFileSize: 'lots', retentionDays: 7 }));
    const r = await doctor();
    expect(r.code).toBe(1);
    expect(r.doc.ok).toBe(false);
    const [bad, ...more] = failed(r.doc);
    expect(more).toEqual([]);
    expect(bad).toMatchObject({ name: 'config' });
    expect(bad?.message).toContain('maxFileSize');
    expect(bad?.message).toContain(`config file ${configFile}`);
    expect(bad?.message).toMatch(/"lots".*: .+/);
    expect(bad?.hint).toContain('exai config unset maxFileSize');
    // The good value in the same file still counts.
    expect(r.doc.checks.find((c) => c.name === 'config' && c.status === 'ok')?.message).toContain(`retentionDays from file ${configFile}`);
    expectOtherChecksRan(r.doc);
    expect(kimi.requests.length).toBeGreaterThan(0);
    // Every other command still refuses the same config.
    expect((await runCli(sb, ['ls'])).code).toBe(9);
  });

  it('a bad EXAI_* value: names the variable and says to fix or unset it; the human form too', async () => {
    const r = await doctor({ EXAI_MAX_FILE_SIZE: 'huge', EXAI_CONCURRENCY: '999' });
    expect(r.code).toBe(1);
    const bad = failed(r.doc);
    expect(bad.map((c) => c.message).join('\n')).toMatch(/maxFileSize "huge" from EXAI_MAX_FILE_SIZE/);
    expect(bad.map((c) => c.message).join('\n')).toMatch(/concurrency "999" from EXAI_CONCURRENCY/);
    expect(bad.map((c) => c.hint)).toEqual(['fix or unset EXAI_MAX_FILE_SIZE in the environment', 'fix or unset EXAI_CONCURRENCY in the environment']);
    expectOtherChecksRan(r.doc);
    const text = await runCli({ ...sb, env: { ...sb.env, EXAI_MAX_FILE_SIZE: 'huge' } }, ['doctor']);
    expect(text.code).toBe(1);
    expect(text.stdout).toMatch(/FAIL {2}config: invalid maxFileSize "huge" from EXAI_MAX_FILE_SIZE/);
    expect(text.stdout).toContain('hint: fix or unset EXAI_MAX_FILE_SIZE');
    expect(text.stdout).toMatch(/ok {4}provider kimi/);
  });

  it('config.json that is not JSON: one failed check with the fix, nothing of it applied', async () => {
    await writeConfig('{"maxFileSize": "1KB",');
    const r = await doctor();
    expect(r.code).toBe(1);
    const [bad, ...more] = failed(r.doc);
    expect(more).toEqual([]);
    expect(bad?.message).toContain(`config file ${configFile} is not valid JSON`);
    expect(bad?.hint).toContain(`fix or delete ${configFile}`);
    expectOtherChecksRan(r.doc);
  });

  it('hostile: a group-writable config.json is reported and none of its values are applied', async () => {
    await writeConfig(JSON.stringify({ 'kimi.baseUrl': 'http://127.0.0.1:9/steal', retentionDays: 1 }), 0o666);
    // No key: no provider call may leave this machine, whatever the file says.
    const r = await doctor({ EXAI_KIMI_BASE_URL: '', MOONSHOT_API_KEY: '' });
    expect(r.code).toBe(1);
    const config = r.doc.checks.filter((c) => c.name === 'config');
    expect(config[0]).toMatchObject({ status: 'fail', message: expect.stringContaining('writable by other users') });
    expect(config[0]?.message).toContain('none of its values are applied');
    expect(config[0]?.hint).toContain(`chmod go-w ${configFile}`);
    const applied = config.find((c) => c.status === 'ok')?.message;
    expect(applied).not.toContain('kimi.baseUrl');
    expect(applied).not.toContain('retentionDays');
    expect(r.stdout + r.stderr).not.toContain(KEY);
  });

  it.skipIf(process.getuid?.() !== 0)('a config.json owned by another user: a failed check that says chown', async () => {
    await writeConfig(JSON.stringify({ retentionDays: 3 }));
    await fs.chown(configFile, 65534, 65534);
    const r = await doctor();
    expect(r.code).toBe(1);
    const [bad] = failed(r.doc);
    expect(bad?.message).toContain('owned by another user');
    expect(bad?.hint).toContain(`chown ${process.getuid?.()} ${configFile}`);
    expectOtherChecksRan(r.doc);
  });

  it('a relative EXAI_STATE_DIR: a failed check, and the other checks run on the default dir', async () => {
    const r = await doctor({ EXAI_STATE_DIR: 'relative/state' });
    expect(r.code).toBe(1);
    const [bad] = failed(r.doc);
    expect(bad?.message).toContain('invalid dirs.state "relative/state" from EXAI_STATE_DIR: directories must be absolute paths');
    expect(bad?.hint).toBe('set EXAI_STATE_DIR to an absolute path');
    expect(r.doc.checks.find((c) => c.name === 'dir state')?.message).toContain(path.join(sb.root, '.local', 'state', 'exai'));
    expectOtherChecksRan(r.doc);
  });
});
