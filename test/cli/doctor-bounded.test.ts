/**
 * `exai doctor` answers quickly against hung servers: each network check (a provider, Supabase
 * Auth, the catalog over REST) gets a short bound of its own — not retry.totalBudgetMs, which
 * here is two minutes, longer than the test's timeout — fails "timed out after Ns" with a hint,
 * and the other checks still report.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { pgSkipReason, startSupabaseWorld, type SupabaseWorld } from '../helpers/supabase-world.js';
import { authFaults } from '../servers/auth-faults.js';
import { startHungConnect, type HungConnect } from '../servers/hung-connect.js';
import { startTokenProxy } from '../helpers/token-proxy.js';
import { makeMachine, type Machine } from './supabase-run.js';

interface Doc {
  checks: Array<{ name: string; status: string; message: string; hint?: string }>;
}

// Unsigned: only the (hung) server would verify it.
const b64 = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
const token = (claims: object) => `${b64({ alg: 'HS256', typ: 'JWT' })}.${b64(claims)}.c2lnbmF0dXJl`;
const ANON = token({ role: 'anon', iss: 'supabase' });
const USER_TOKEN = token({ role: 'authenticated', sub: '00000000-0000-4000-8000-000000000001', exp: Math.floor(Date.now() / 1000) + 3600 });
// Two request deadlines of 300 ms: doctor's bound is 0.6 s; the retry budget stays two minutes.
const ENV = { EXAI_REQUEST_DEADLINE: '300ms' };
const RETRY = { retry: { maxAttempts: 8, baseDelayMs: 50, maxDelayMs: 100, totalBudgetMs: 120_000 } };

let hung: HungConnect;
let machine: Machine | undefined;
beforeAll(async () => {
  hung = await startHungConnect();
});
afterAll(() => hung.close());
afterEach(async () => {
  await machine?.close();
  machine = undefined;
});

async function doctorOn(project: { url: string; anonKey: string }, env: Record<string, string>): Promise<{ code: number; doc: Doc; out: string }> {
  machine ??= await makeMachine(project);
  await writeRetry(machine);
  const r = await machine.run(['doctor', '--json'], { env: { ...ENV, ...env } });
  return { code: r.code, doc: JSON.parse(r.stdout) as Doc, out: r.stdout + r.stderr };
}

async function writeRetry(m: Machine): Promise<void> {
  const dir = m.env['EXAI_CONFIG_DIR']!;
  await fs.mkdir(dir, { recursive: true, mode: 0o700 });
  await fs.writeFile(path.join(dir, 'config.json'), JSON.stringify(RETRY), { mode: 0o600 });
}

const check = (doc: Doc, name: string) => doc.checks.find((c) => c.name === name);

describe('exai doctor against hung servers', () => {
  it('a Supabase project and a provider whose connects hang: both time out, the rest still reports', async () => {
    const r = await doctorOn({ url: `http://127.0.0.1:${hung.port}`, anonKey: ANON }, { EXAI_ACCESS_TOKEN: USER_TOKEN, MOONSHOT_API_KEY: 'sk-doctor-hung-0123456789', EXAI_KIMI_BASE_URL: hung.url });
    expect(r.code).toBe(1);
    expect(check(r.doc, 'supabase session')).toMatchObject({ status: 'fail', message: 'timed out after 0.6s' });
    // The provider's own 300 ms request deadline may end its call before doctor's bound does.
    expect(check(r.doc, 'provider kimi')).toMatchObject({ status: 'fail', message: expect.stringMatching(/^timed out/) });
    for (const name of ['supabase session', 'provider kimi']) expect(check(r.doc, name)?.hint).toMatch(/network/);
    expect(check(r.doc, 'config')?.status).toBe('ok');
    expect(check(r.doc, 'gc lock')).toBeDefined();
    expect(r.out).not.toContain(USER_TOKEN);
  });
});

const skip = await pgSkipReason();

describe.skipIf(skip !== undefined)(`exai doctor against a hung Auth server${skip ? ` (skipped: ${skip})` : ''}`, () => {
  let world: SupabaseWorld;
  beforeAll(async () => {
    world = await startSupabaseWorld();
  });
  afterAll(() => world?.close());
  afterEach(() => {
    world.server.hooks.beforeAuth = undefined;
  });

  it('a signed-in session whose Auth server takes the request and never answers: timed out after 0.6s, a hint, exit 1', async () => {
    await world.server.addUser('doctor-hung@example.com', 'pw');
    machine = await makeMachine(world.server);
    expect((await machine.run(['login', '--email', 'doctor-hung@example.com', '--password-stdin'], { stdin: 'pw' })).code).toBe(0);
    const faults = authFaults({ fault: 'hang', times: Infinity, route: '/user' });
    world.server.hooks.beforeAuth = faults.hook;
    const r = await doctorOn(world.server, {});
    expect(faults.hits).toBeGreaterThan(0);
    expect(r.code).toBe(1);
    expect(check(r.doc, 'supabase session')).toMatchObject({ status: 'fail', message: 'timed out after 0.6s' });
    expect(check(r.doc, 'supabase session')?.hint).toContain('SUPABASE_URL');
    expect(check(r.doc, 'config')?.status).toBe('ok');
  });

  it('a confirmed session whose catalog (REST) never answers: the session ok, the catalog fails in time', async () => {
    const proxy = await startTokenProxy(world.server.url);
    try {
      await world.server.addUser('doctor-rest@example.com', 'pw');
      machine = await makeMachine({ url: proxy.url, anonKey: world.server.anonKey });
      expect((await machine.run(['login', '--email', 'doctor-rest@example.com', '--password-stdin'], { stdin: 'pw' })).code).toBe(0);
      proxy.hang = ['/rest/'];
      const r = await doctorOn({ url: proxy.url, anonKey: world.server.anonKey }, {});
      expect(r.code).toBe(1);
      expect(check(r.doc, 'supabase session')?.status).toBe('ok');
      // Its own request deadline (300 ms) or doctor's bound (0.6 s), whichever ends it first.
      expect(check(r.doc, 'supabase catalog')).toMatchObject({ status: 'fail', message: expect.stringMatching(/timed out after 0\.6s|no complete answer within/) });
      expect(proxy.paths.some((p) => p.startsWith('/rest/'))).toBe(true);
    } finally {
      await proxy.close();
    }
  });

  it('a session the Auth server confirms: doctor reports it ok and the catalog reachable within the bound', async () => {
    await world.server.addUser('doctor-ok@example.com', 'pw');
    machine = await makeMachine(world.server);
    expect((await machine.run(['login', '--email', 'doctor-ok@example.com', '--password-stdin'], { stdin: 'pw' })).code).toBe(0);
    const r = await doctorOn(world.server, {});
    expect(check(r.doc, 'supabase session')?.status).toBe('ok');
    expect(check(r.doc, 'supabase catalog')?.status).toBe('ok');
  });
});
