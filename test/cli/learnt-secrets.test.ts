/**
 * The CLI masks the secrets its run learns, not only token shapes: the session's own access
 * and refresh tokens (read, refreshed), and a piped password or token. A hostile Supabase
 * (the token proxy) quotes them back bare in its errors; no command prints one, --json included.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { pgSkipReason, startSupabaseWorld, type SupabaseWorld } from '../helpers/supabase-world.js';
import { startTokenProxy, type TokenProxy } from '../helpers/token-proxy.js';
import { makeMachine, type Machine } from './supabase-run.js';

const skip = await pgSkipReason();
const RETRY = { retry: { maxAttempts: 1, baseDelayMs: 5, maxDelayMs: 10, totalBudgetMs: 1500 } };

describe.skipIf(skip !== undefined)(`learnt secrets are masked${skip ? ` (skipped: ${skip})` : ''}`, () => {
  let world: SupabaseWorld;
  let proxy: TokenProxy;
  let machine: Machine;
  beforeAll(async () => {
    world = await startSupabaseWorld();
    proxy = await startTokenProxy(world.server.url);
  });
  afterAll(async () => {
    await proxy?.close();
    await world?.close();
  });
  afterEach(async () => {
    proxy.echo = [];
    proxy.quoteKnown = false;
    world.server.auth.tokenTtlSeconds = 3600;
    await machine?.close();
  });

  async function loggedIn(email: string, password: string, ttl = 3600): Promise<Machine> {
    await world.server.addUser(email, password);
    // Only this session's tokens: a run cannot know another user's.
    proxy.tokens.clear();
    machine = await makeMachine({ url: proxy.url, anonKey: world.server.anonKey });
    const dir = machine.env['EXAI_CONFIG_DIR']!;
    await fs.mkdir(dir, { recursive: true, mode: 0o700 });
    await fs.writeFile(path.join(dir, 'config.json'), JSON.stringify(RETRY), { mode: 0o600 });
    world.server.auth.tokenTtlSeconds = ttl;
    expect((await machine.run(['login', '--email', email, '--password-stdin'], { stdin: password })).code).toBe(0);
    world.server.auth.tokenTtlSeconds = 3600;
    return machine;
  }

  /** Nothing the proxy saw (tokens) nor `extra` appears in the run's output; the output says it failed. */
  function expectMasked(result: { stdout: string; stderr: string }, extra: string[] = []): void {
    const out = result.stdout + result.stderr;
    expect(out).toContain('<redacted>');
    for (const secret of [...proxy.tokens, ...extra]) expect(out).not.toContain(secret);
  }

  it('ls and whoami: a refused refresh quoting the bare refresh token prints none of it', async () => {
    const m = await loggedIn('refresh@example.com', 'pw-refresh-1', -120);
    proxy.echo = ['/auth/'];
    for (const argv of [['ls'], ['ls', '--json'], ['whoami'], ['whoami', '--json']]) {
      const result = await m.run(argv);
      expect(result.code).not.toBe(0);
      expectMasked(result);
    }
    expect(proxy.paths.some((p) => p.includes('grant_type=refresh_token'))).toBe(true);
  });

  it('ls and whoami: a server quoting every token of the session bare prints none of them', async () => {
    const m = await loggedIn('known@example.com', 'pw-known-1');
    proxy.quoteKnown = true;
    proxy.echo = ['/rest/', '/auth/v1/user'];
    for (const argv of [['ls'], ['ls', '--json'], ['whoami'], ['whoami', '--json']]) expectMasked(await m.run(argv));
  });

  it('login: a server quoting the password and email body back prints no password, --json too', async () => {
    machine = await makeMachine({ url: proxy.url, anonKey: world.server.anonKey });
    await world.server.addUser('login@example.com', 'Sekrit-passw0rd');
    proxy.echo = ['/auth/'];
    for (const argv of [['login'], ['login', '--json']]) {
      const result = await machine.run([...argv, '--email', 'login@example.com', '--password-stdin'], { stdin: 'Sekrit-passw0rd' });
      expect(result.code).not.toBe(0);
      expectMasked(result, ['Sekrit-passw0rd']);
    }
  });

  it('upload: an archive failure quoting the session tokens bare is a warning without them', async () => {
    const m = await loggedIn('archive@example.com', 'pw-archive-1');
    await fs.writeFile(path.join(m.cwd, 'a.txt'), 'alpha\n');
    await fs.writeFile(path.join(m.cwd, 'b.txt'), 'beta\n');
    proxy.quoteKnown = true;
    proxy.echo = ['/storage/'];
    const human = await m.run(['upload', 'a.txt', '--provider', 'local']);
    expect(human.stderr).toContain('archive copy failed');
    expectMasked(human);
    const json = await m.run(['upload', 'b.txt', '--provider', 'local', '--json']);
    expect(json.stderr).toContain('archive copy failed');
    expectMasked(json);
  });
});
