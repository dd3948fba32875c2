/** `exai login / whoami / logout` against the loopback auth server: sessions, refresh, and refused keys. */
import fs from 'node:fs/promises';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startLoopbackSupabase, type LoopbackSupabase } from '../servers/supabase.js';
import { makeMachine, type Machine } from './supabase-run.js';

let server: LoopbackSupabase;
let machine: Machine;

beforeAll(async () => {
  server = await startLoopbackSupabase();
  await server.addUser('ada@example.com', 'correct horse');
});
afterAll(() => server.close());
afterEach(() => machine?.close());

const login = (m: Machine) => m.run(['login', '--email', 'ada@example.com', '--password-stdin'], { stdin: 'correct horse\n' });

describe('exai login', () => {
  it('signs in with --password-stdin, keeps the session in a private file, and whoami names the user', async () => {
    machine = await makeMachine(server);
    const result = await login(machine);
    expect(result.code).toBe(0);
    expect(result.stderr).toContain('logged in as ada@example.com');
    const file = path.join(machine.env['EXAI_STATE_DIR']!, 'auth', 'session.json');
    expect((await fs.stat(file)).mode & 0o777).toBe(0o600);
    expect((await fs.stat(path.dirname(file))).mode & 0o777).toBe(0o700);
    const who = await machine.run(['whoami', '--json']);
    expect(who.code).toBe(0);
    expect(JSON.parse(who.stdout)).toMatchObject({ email: 'ada@example.com', source: 'session', role: 'authenticated' });
  });

  it('refuses a wrong password with exit 4 and saves nothing', async () => {
    machine = await makeMachine(server);
    const result = await machine.run(['login', '--email', 'ada@example.com', '--password-stdin'], { stdin: 'wrong' });
    expect(result.code).toBe(4);
    expect(result.stderr).toMatch(/login refused/);
    await expect(fs.stat(path.join(machine.env['EXAI_STATE_DIR']!, 'auth', 'session.json'))).rejects.toThrow();
  });

  it('whoami without a session exits 4 with a hint to log in', async () => {
    machine = await makeMachine(server);
    const result = await machine.run(['whoami']);
    expect(result.code).toBe(4);
    expect(result.stderr).toContain('exai login');
  });

  it('logout deletes the session; whoami then needs a login again', async () => {
    machine = await makeMachine(server);
    await login(machine);
    expect((await machine.run(['logout'])).code).toBe(0);
    expect((await machine.run(['whoami'])).code).toBe(4);
  });

  it('refreshes a session that is about to expire, with the single-use refresh token', async () => {
    machine = await makeMachine(server);
    server.auth.tokenTtlSeconds = 30; // inside supabase-js's 90 s margin: the next use refreshes
    try {
      await login(machine);
      const before = server.requests.filter((r) => r.path.startsWith('/auth/v1/token?grant_type=refresh_token')).length;
      expect((await machine.run(['whoami'])).code).toBe(0);
      expect((await machine.run(['whoami'])).code).toBe(0);
      expect(server.requests.filter((r) => r.path.startsWith('/auth/v1/token?grant_type=refresh_token')).length).toBeGreaterThan(before);
    } finally {
      server.auth.tokenTtlSeconds = 3600;
    }
  });

  it('an expired session whose refresh token was revoked is AUTH_REQUIRED (exit 4)', async () => {
    machine = await makeMachine(server);
    server.auth.tokenTtlSeconds = -5; // every access token issued is already expired
    try {
      await login(machine);
      const other = await makeMachine(server);
      // Logging out revokes every refresh token of the user at the server.
      await login(other);
      await other.run(['logout']);
      await other.close();
      const result = await machine.run(['whoami']);
      expect(result.code).toBe(4);
    } finally {
      server.auth.tokenTtlSeconds = 3600;
    }
  });
});

describe('keys that bypass RLS are refused by user commands', () => {
  it('a service-role JWT as SUPABASE_ANON_KEY', async () => {
    machine = await makeMachine({ url: server.url, anonKey: server.serviceRoleKey });
    const result = await login(machine);
    expect(result.code).toBe(4);
    expect(result.stderr).toMatch(/service-role or secret key/);
    expect(result.stderr).not.toContain(server.serviceRoleKey);
  });

  it('an sb_secret_ key as SUPABASE_PUBLISHABLE_KEY', async () => {
    machine = await makeMachine(server);
    const result = await machine.run(['whoami'], { env: { SUPABASE_ANON_KEY: '', SUPABASE_PUBLISHABLE_KEY: 'sb_secret_0123456789abcdefghij' } });
    expect(result.code).toBe(4);
    expect(result.stderr).not.toContain('sb_secret_0123456789abcdefghij');
  });

  it('a service-role token in EXAI_ACCESS_TOKEN or on --token-stdin', async () => {
    machine = await makeMachine(server);
    expect((await machine.run(['whoami'], { env: { EXAI_ACCESS_TOKEN: server.serviceRoleKey } })).code).toBe(4);
    expect((await machine.run(['login', '--token-stdin'], { stdin: server.serviceRoleKey })).code).toBe(4);
  });
});

describe('tokens are verified by the server, not trusted from their claims', () => {
  const forge = (claims: Record<string, unknown>, alg: string, signature: string) =>
    `${Buffer.from(JSON.stringify({ alg, typ: 'JWT' })).toString('base64url')}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.${signature}`;

  it('EXAI_ACCESS_TOKEN for CI: whoami asks the server', async () => {
    machine = await makeMachine(server);
    const user = [...server.auth.users.values()][0]!;
    const result = await machine.run(['whoami', '--json'], { env: { EXAI_ACCESS_TOKEN: await server.auth.accessTokenFor(user) } });
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({ id: user.id, source: 'env' });
  });

  it.each([
    ['alg none', (sub: string) => forge({ sub, role: 'authenticated', exp: 4102444800 }, 'none', '')],
    ['a bad signature', (sub: string) => forge({ sub, role: 'authenticated', exp: 4102444800 }, 'HS256', 'c2lnbmF0dXJl')],
  ])('a token with %s is refused (exit 4)', async (_name, make) => {
    machine = await makeMachine(server);
    const user = [...server.auth.users.values()][0]!;
    expect((await machine.run(['login', '--token-stdin'], { stdin: make(user.id) })).code).toBe(4);
    expect((await machine.run(['whoami'], { env: { EXAI_ACCESS_TOKEN: make(user.id) } })).code).toBe(4);
  });

  it('an expired token is refused', async () => {
    machine = await makeMachine(server);
    const user = [...server.auth.users.values()][0]!;
    const expired = await server.auth.accessTokenFor(user, -10);
    expect((await machine.run(['whoami'], { env: { EXAI_ACCESS_TOKEN: expired } })).code).toBe(4);
  });
});

describe('login needs a project', () => {
  it('without SUPABASE_URL, login says so (exit 9)', async () => {
    machine = await makeMachine(server);
    const result = await machine.run(['login', '--password-stdin'], { env: { SUPABASE_URL: '' }, stdin: 'x' });
    expect(result.code).toBe(9);
    expect(result.stderr).toContain('SUPABASE_URL');
  });
});
