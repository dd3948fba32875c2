/**
 * Sign-in, refresh, whoami and logout against an Auth server that hangs, trickles, answers
 * 429 with Retry-After, 500, resets, or sends a body that is not a session: every call ends
 * within exai's deadline and retry budget with exai's retry policy, and the session file is
 * never half-written — a failed refresh leaves it byte for byte as it was.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { authFaults, type AuthFaultPlan } from '../servers/auth-faults.js';
import { readJson, startLoopbackSupabase, type LoopbackSupabase } from '../servers/supabase.js';
import { makeMachine, type Machine } from './supabase-run.js';

const REFRESH = '/token?grant_type=refresh_token';
const PASSWORD = 'correct horse';
/** Small but real: three attempts, each within 300 ms, all within 1.5 s. */
const RETRY = { maxAttempts: 3, baseDelayMs: 5, maxDelayMs: 10, totalBudgetMs: 1500 };
const ENV = { EXAI_REQUEST_DEADLINE: '300ms' };

let server: LoopbackSupabase;
let machine: Machine;
beforeAll(async () => {
  server = await startLoopbackSupabase();
  await server.addUser('ada@example.com', PASSWORD);
});
afterAll(() => server.close());
afterEach(async () => {
  server.hooks.beforeAuth = undefined;
  server.auth.tokenTtlSeconds = 3600;
  await machine?.close();
});

async function newMachine(): Promise<Machine> {
  machine = await makeMachine(server);
  const dir = machine.env['EXAI_CONFIG_DIR']!;
  await fs.mkdir(dir, { recursive: true, mode: 0o700 });
  await fs.writeFile(path.join(dir, 'config.json'), JSON.stringify({ retry: RETRY }), { mode: 0o600 });
  return machine;
}

const run = (argv: string[], stdin?: string) => machine.run(argv, { env: ENV, ...(stdin === undefined ? {} : { stdin }) });
const login = () => run(['login', '--email', 'ada@example.com', '--password-stdin'], PASSWORD);
const sessionFile = () => path.join(machine.env['EXAI_STATE_DIR']!, 'auth', 'session.json');
const sessionText = () => fs.readFile(sessionFile(), 'utf8');
const refreshes = () => server.requests.filter((r) => r.path.startsWith(`/auth/v1${REFRESH}`));

/** A machine logged in with an access token that has already expired: its next command refreshes. */
async function expiredSession(): Promise<string> {
  await newMachine();
  server.auth.tokenTtlSeconds = -5;
  expect((await login()).code).toBe(0);
  server.auth.tokenTtlSeconds = 3600;
  return sessionText();
}

const inject = (plan: AuthFaultPlan) => {
  const faults = authFaults(plan, async (req) => {
    await server.auth.handle('POST', '/token', new URLSearchParams('grant_type=refresh_token'), await readJson(req), undefined);
  });
  server.hooks.beforeAuth = faults.hook;
  return faults;
};

describe('refresh of an expired session (exai ls, whoami)', () => {
  it.each([
    ['hangs', 'hang'],
    ['trickles its answer', 'trickle'],
  ] as const)('an Auth server that %s: PROVIDER_TIMEOUT after exai\'s attempts, the session file untouched', async (_name, fault) => {
    const before = await expiredSession();
    const faults = inject({ fault, times: Infinity, route: REFRESH });
    const result = await run(['ls']);
    expect(result.code).toBe(6); // PROVIDER_TIMEOUT
    expect(result.stderr).toContain('the session could not be refreshed');
    expect(result.stderr).toContain('(http.requestDeadline)');
    expect(result.stderr).toContain('exai login');
    expect(faults.hits).toBeGreaterThanOrEqual(1);
    expect(faults.hits).toBeLessThanOrEqual(RETRY.maxAttempts);
    expect(await sessionText()).toBe(before);
  });

  it.each([
    ['500 twice', { fault: '500', times: 2 }],
    ['429 with Retry-After: 0 twice', { fault: '429', times: 2, retryAfter: '0' }],
    ['a reset connection', { fault: 'reset', times: 1 }],
  ] as const)('%s, then an answer: refreshed once, whoami names the user', async (_name, plan) => {
    const before = await expiredSession();
    const faults = inject({ ...plan, route: REFRESH });
    const sent = refreshes().length;
    const result = await run(['whoami', '--json']);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({ email: 'ada@example.com', source: 'session' });
    expect(faults.hits).toBe(plan.times);
    expect(refreshes().slice(sent).map((r) => r.status ?? 'cut')).toEqual([...Array<string | number>(plan.times).fill(plan.fault === 'reset' ? 'cut' : Number(plan.fault)), 200]);
    expect(await sessionText()).not.toBe(before);
  });

  it('500 on every attempt: gives up after retry.maxAttempts, session untouched', async () => {
    const before = await expiredSession();
    const faults = inject({ fault: '500', times: Infinity, route: REFRESH });
    const result = await run(['ls']);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain(`gave up after ${RETRY.maxAttempts} attempts`);
    expect(faults.hits).toBe(RETRY.maxAttempts);
    expect(await sessionText()).toBe(before);
  });

  it('429 asking to wait longer than the budget: no waiting it out, one attempt, session untouched', async () => {
    const before = await expiredSession();
    const faults = inject({ fault: '429', times: Infinity, route: REFRESH, retryAfter: '3600' });
    const result = await run(['ls']);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain('rate limiting');
    expect(faults.hits).toBe(1);
    expect(await sessionText()).toBe(before);
  });

  it.each([
    ['an HTML page', 'html', 'not JSON'],
    ['JSON that is not a session', 'not-a-session', 'without a usable session'],
  ] as const)('%s: not retried, session untouched, a hint', async (_name, fault, says) => {
    const before = await expiredSession();
    const faults = inject({ fault, times: Infinity, route: REFRESH });
    const result = await run(['ls']);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain(says);
    expect(faults.hits).toBe(1);
    expect(await sessionText()).toBe(before);
  });

  it('a refresh the server spent but whose answer was lost: exit 4 with a hint to log in again, session untouched', async () => {
    const before = await expiredSession();
    inject({ fault: 'refresh-then-reset', times: 1, route: REFRESH });
    const result = await run(['ls']);
    expect(result.code).toBe(4);
    expect(result.stderr).toContain('exai login');
    expect(await sessionText()).toBe(before);
    expect((await login()).code).toBe(0);
    expect((await run(['whoami'])).code).toBe(0);
  });

  it('a refresh that hangs while the access token still works: the command goes on with it, session untouched', async () => {
    await newMachine();
    server.auth.tokenTtlSeconds = 60; // inside the 90 s refresh margin, well before expiry
    expect((await login()).code).toBe(0);
    server.auth.tokenTtlSeconds = 3600;
    const before = await sessionText();
    const faults = inject({ fault: 'hang', times: Infinity, route: REFRESH });
    const result = await run(['whoami', '--json']);
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({ email: 'ada@example.com' });
    expect(faults.hits).toBeGreaterThanOrEqual(1);
    expect(await sessionText()).toBe(before);
  });

  it('two commands queued on one hung refresh both end (the wait counts against the budget), session untouched', async () => {
    const before = await expiredSession();
    const faults = inject({ fault: 'hang', times: Infinity, route: REFRESH });
    const results = await Promise.all([run(['ls']), run(['whoami'])]);
    // Timed out at the server (6) or still waiting for the other's lock when the budget ran out (7).
    for (const r of results) expect([6, 7]).toContain(r.code);
    expect(results.map((r) => r.stderr).join('')).toContain('exai login');
    expect(faults.hits).toBeLessThanOrEqual(2 * RETRY.maxAttempts);
    expect(await sessionText()).toBe(before);
  });

  it('commands refreshing one expired session at once refresh it once and all succeed', async () => {
    await expiredSession();
    const sent = refreshes().length;
    const results = await Promise.all([1, 2, 3, 4].map(() => run(['whoami'])));
    expect(results.map((r) => r.code)).toEqual([0, 0, 0, 0]);
    expect(refreshes().slice(sent).map((r) => r.status)).toEqual([200]);
  });
});

describe('interrupted', () => {
  it.each([
    ['login', () => ['login', '--email', 'ada@example.com', '--password-stdin'], '/token?grant_type=password'],
    ['ls refreshing an expired session', () => ['ls'], REFRESH],
  ] as const)('Ctrl-C during a hung %s ends it at once (exit 130), the session file as it was', async (_name, argv, route) => {
    const before = route === REFRESH ? await expiredSession() : (await newMachine(), undefined);
    const controller = new AbortController();
    const faults = authFaults({ fault: 'hang', times: Infinity, route });
    // The interrupt comes once the request is at the server, as a user's Ctrl-C would.
    server.hooks.beforeAuth = (req, res, r) => {
      const taken = faults.hook(req, res, r);
      if (taken) controller.abort(new Error('SIGINT'));
      return taken;
    };
    const result = await machine.run([...argv()], { env: { EXAI_REQUEST_DEADLINE: '5m' }, stdin: PASSWORD, signal: controller.signal });
    expect(result.code).toBe(130);
    expect(faults.hits).toBe(1);
    if (before === undefined) await expect(fs.stat(sessionFile())).rejects.toThrow();
    else expect(await sessionText()).toBe(before);
  });
});

describe('exai login', () => {
  it.each([
    ['hangs', { fault: 'hang', times: Infinity }, 6],
    ['answers 500 every time', { fault: '500', times: Infinity }, 1],
    ['answers an HTML page', { fault: 'html', times: Infinity }, 1],
    ['answers JSON that is not a session', { fault: 'not-a-session', times: Infinity }, 1],
    ['answers 2 MiB', { fault: 'huge', times: Infinity }, 1],
  ] as const)('an Auth server that %s: a clear error, no session file', async (_name, plan, code) => {
    await newMachine();
    inject(plan);
    const result = await login();
    expect(result.code).toBe(code);
    expect(result.stderr).toMatch(/hint/i);
    expect(result.stderr).not.toContain(PASSWORD);
    await expect(fs.stat(sessionFile())).rejects.toThrow();
  });

  it('a refusal whose message carries terminal escapes: AUTH_REFUSED, printed without them', async () => {
    await newMachine();
    inject({ fault: 'hostile-refusal', times: 1 });
    const result = await login();
    expect(result.code).toBe(4);
    expect(result.stderr).toContain('login refused: Invalid login');
    expect(result.stderr).not.toContain('\u001b');
    expect(result.stderr).not.toContain('\u0007');
  });

  it.each([
    ['500 once', { fault: '500', times: 1 }],
    ['429 with Retry-After: 0 once', { fault: '429', times: 1, retryAfter: '0' }],
    ['a reset once', { fault: 'reset', times: 1 }],
  ] as const)('%s, then an answer: logged in', async (_name, plan) => {
    await newMachine();
    inject(plan);
    const result = await login();
    expect(result.code).toBe(0);
    expect(result.stderr).toContain('logged in as ada@example.com');
  });
});

describe('exai whoami and logout', () => {
  it('whoami against a hung /user ends at the deadline (exit 6), session kept', async () => {
    await newMachine();
    expect((await login()).code).toBe(0);
    const before = await sessionText();
    inject({ fault: 'hang', times: Infinity, route: '/user' });
    const result = await run(['whoami']);
    expect(result.code).toBe(6);
    expect(result.stderr).toContain('http.requestDeadline');
    expect(await sessionText()).toBe(before);
  });

  it('logout against a hung Auth server ends within the budget and still removes the session', async () => {
    await newMachine();
    expect((await login()).code).toBe(0);
    const faults = inject({ fault: 'hang', times: Infinity, route: '/logout' });
    const result = await run(['logout']);
    expect(result.code).toBe(0);
    expect(result.stderr).toContain('logged out');
    expect(result.stderr).toContain('could not revoke the session');
    expect(faults.hits).toBeGreaterThanOrEqual(1);
    await expect(fs.stat(sessionFile())).rejects.toThrow();
  });

  it('logout of an expired session refreshes it to revoke it (the server takes only a live access token)', async () => {
    await expiredSession();
    const sent = server.requests.length;
    const result = await run(['logout', '--json']);
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual({ logged_out: true, revoked: true });
    expect(server.requests.slice(sent).map((r) => `${r.path} ${r.status}`)).toEqual([`/auth/v1${REFRESH} 200`, '/auth/v1/logout?scope=local 204']);
    await expect(fs.stat(sessionFile())).rejects.toThrow();
  });

  it('logout when the server answers 500 still removes the session', async () => {
    await newMachine();
    expect((await login()).code).toBe(0);
    inject({ fault: '500', times: Infinity, route: '/logout' });
    const result = await run(['logout']);
    expect(result.code).toBe(0);
    expect(result.stderr).toContain('could not revoke the session');
    await expect(fs.stat(sessionFile())).rejects.toThrow();
  });
});
