import fs from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startFakeProvider, type FakeProvider } from '../servers/fake-provider.js';
import { makeSandbox, runCli, seed, type Sandbox } from './catalog-cli.js';
import { writeStaleLock } from './gc-helpers.js';

const KEY = 'sk-test-doctor-SECRET-0123456789abcdef';
const GLM_KEY = 'glm-doctor-SECRET-abcdef0123456789';

interface Doc {
  ok: boolean;
  checks: Array<{ name: string; status: string; message: string; hint?: string }>;
}

let kimi: FakeProvider;
let sb: Sandbox;

beforeEach(async () => {
  kimi = await startFakeProvider({ kind: 'kimi', apiKey: KEY });
  sb = await makeSandbox({ MOONSHOT_API_KEY: KEY, EXAI_KIMI_BASE_URL: kimi.url });
  for (const d of ['config', 'data', 'state']) await fs.chmod(path.join(sb.root, d), 0o700);
});

afterEach(async () => {
  await kimi.close();
  await fs.rm(sb.root, { recursive: true, force: true });
});

const doctor = async (env: Record<string, string> = {}) => {
  const r = await runCli({ ...sb, env: { ...sb.env, ...env } }, ['doctor', '--json']);
  return { ...r, doc: JSON.parse(r.stdout) as Doc };
};
const check = (doc: Doc, name: string) => doc.checks.find((c) => c.name === name);

describe('exai doctor', () => {
  it('a healthy setup: exit 0, every provider check ok, the catalog at the latest schema', async () => {
    await seed(sb, { fileId: 'cx' });
    const r = await doctor();
    expect(r.code).toBe(0);
    expect(r.doc.ok).toBe(true);
    expect(check(r.doc, 'provider kimi')).toMatchObject({ status: 'ok', message: expect.stringContaining('key accepted') });
    expect(check(r.doc, 'catalog')?.message).toContain('(latest)');
    expect(check(r.doc, 'node')?.status).toBe('ok');
    expect(kimi.requests.every((q) => q.method === 'GET' && q.authorized)).toBe(true);
  });

  it('reports a rejected key, an unreachable provider, a 0644 secret file and a stale lock — and prints no secret', async () => {
    await fs.writeFile(path.join(sb.env.EXAI_CONFIG_DIR!, 'config.json'), '{}', { mode: 0o644 });
    await fs.chmod(path.join(sb.env.EXAI_CONFIG_DIR!, 'config.json'), 0o644);
    await writeStaleLock(sb, 'b'.repeat(64));
    // A port nothing listens on: take one from a server that is then closed.
    const gone = await startFakeProvider({ kind: 'glm', apiKey: GLM_KEY });
    const goneUrl = gone.url;
    await gone.close();
    const r = await doctor({ MOONSHOT_API_KEY: 'sk-wrong-key-SECRET-zzzzzzzzzzzz', ZAI_API_KEY: GLM_KEY, EXAI_GLM_BASE_URL: goneUrl });
    expect(r.code).toBe(1);
    expect(r.doc.ok).toBe(false);
    expect(check(r.doc, 'provider kimi')).toMatchObject({ status: 'fail', message: 'key rejected by the provider' });
    expect(check(r.doc, 'provider glm')).toMatchObject({ status: 'fail' });
    expect(check(r.doc, 'provider glm')?.message).toMatch(/unreachable|no answer/);
    expect(check(r.doc, 'private files')).toMatchObject({ status: 'fail', message: expect.stringContaining('config.json (0644)') });
    expect(check(r.doc, 'stale locks')).toMatchObject({ status: 'warn', message: expect.stringContaining('bbbbbbbb') });
    for (const secret of ['sk-wrong-key-SECRET', GLM_KEY, KEY]) expect(r.stdout + r.stderr).not.toContain(secret);
    const text = await runCli({ ...sb, env: { ...sb.env, MOONSHOT_API_KEY: 'sk-wrong-key-SECRET-zzzzzzzzzzzz' } }, ['doctor']);
    expect(text.code).toBe(1);
    expect(text.stdout).toMatch(/FAIL {2}provider kimi: key rejected/);
    expect(text.stdout + text.stderr).not.toContain('sk-wrong-key-SECRET');
  });

  it('warns about an open breaker and a dir other users can read', async () => {
    const retryAt = Date.now() + 60_000;
    await fs.writeFile(path.join(sb.env.EXAI_STATE_DIR!, 'breakers.json'), JSON.stringify({ kimi: { open: true, failures: 5, openedAt: Date.now(), retryAt } }), { mode: 0o600 });
    await fs.chmod(sb.env.EXAI_DATA_DIR!, 0o755);
    const r = await doctor();
    expect(r.code).toBe(0);
    expect(check(r.doc, 'breaker kimi')).toMatchObject({ status: 'warn', message: expect.stringContaining('open after 5 failures') });
    expect(check(r.doc, 'dir data')).toMatchObject({ status: 'warn', hint: expect.stringContaining('chmod 700') });
  });
});
