/**
 * The refresh behind `exai ls` and `whoami` against an Auth server that hangs, trickles,
 * answers 429 with Retry-After, 500, resets, or sends a body that is not a session: it ends
 * within exai's deadline and retry budget with exai's retry policy, and a failed refresh
 * leaves the session file byte for byte as it was. Also: Ctrl-C, and refreshes at once.
 */
import fs from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { authFaults } from '../servers/auth-faults.js';
import { authFaultWorld, PASSWORD, REFRESH, RETRY } from './auth-fault-world.js';

const w = authFaultWorld();

describe('refresh of an expired session (exai ls, whoami)', () => {
  it.each([
    ['hangs', 'hang'],
    ['trickles its answer', 'trickle'],
  ] as const)('an Auth server that %s: PROVIDER_TIMEOUT after exai\'s attempts, the session file untouched', async (_name, fault) => {
    const before = await w.expiredSession();
    const faults = w.inject({ fault, times: Infinity, route: REFRESH });
    const result = await w.run(['ls']);
    expect(result.code).toBe(6); // PROVIDER_TIMEOUT
    expect(result.stderr).toContain('the session could not be refreshed');
    expect(result.stderr).toContain('(http.requestDeadline)');
    expect(result.stderr).toContain('exai login');
    expect(faults.hits).toBeGreaterThanOrEqual(1);
    expect(faults.hits).toBeLessThanOrEqual(RETRY.maxAttempts);
    expect(await w.sessionText()).toBe(before);
  });

  it.each([
    ['500 twice', { fault: '500', times: 2 }],
    ['429 with Retry-After: 0 twice', { fault: '429', times: 2, retryAfter: '0' }],
    ['a reset connection', { fault: 'reset', times: 1 }],
  ] as const)('%s, then an answer: refreshed once, whoami names the user', async (_name, plan) => {
    const before = await w.expiredSession();
    const faults = w.inject({ ...plan, route: REFRESH });
    const sent = w.refreshes().length;
    const result = await w.run(['whoami', '--json']);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({ email: 'ada@example.com', source: 'session' });
    expect(faults.hits).toBe(plan.times);
    expect(w.refreshes().slice(sent).map((r) => r.status ?? 'cut')).toEqual([...Array<string | number>(plan.times).fill(plan.fault === 'reset' ? 'cut' : Number(plan.fault)), 200]);
    expect(await w.sessionText()).not.toBe(before);
  });

  it('500 on every attempt: gives up after retry.maxAttempts, session untouched', async () => {
    const before = await w.expiredSession();
    const faults = w.inject({ fault: '500', times: Infinity, route: REFRESH });
    const result = await w.run(['ls']);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain(`gave up after ${RETRY.maxAttempts} attempts`);
    expect(faults.hits).toBe(RETRY.maxAttempts);
    expect(await w.sessionText()).toBe(before);
  });

  it('429 asking to wait longer than the budget: no waiting it out, one attempt, session untouched', async () => {
    const before = await w.expiredSession();
    const faults = w.inject({ fault: '429', times: Infinity, route: REFRESH, retryAfter: '3600' });
    const result = await w.run(['ls']);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain('rate limiting');
    expect(faults.hits).toBe(1);
    expect(await w.sessionText()).toBe(before);
  });

  it.each([
    ['an HTML page', 'html', 'not JSON'],
    ['JSON that is not a session', 'not-a-session', 'without a usable session'],
  ] as const)('%s: not retried, session untouched, a hint', async (_name, fault, says) => {
    const before = await w.expiredSession();
    const faults = w.inject({ fault, times: Infinity, route: REFRESH });
    const result = await w.run(['ls']);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain(says);
    expect(faults.hits).toBe(1);
    expect(await w.sessionText()).toBe(before);
  });

  it('a refresh the server spent but whose answer was lost: exit 4 with a hint to log in again, session untouched', async () => {
    const before = await w.expiredSession();
    w.inject({ fault: 'refresh-then-reset', times: 1, route: REFRESH });
    const result = await w.run(['ls']);
    expect(result.code).toBe(4);
    expect(result.stderr).toContain('exai login');
    expect(await w.sessionText()).toBe(before);
    expect((await w.login()).code).toBe(0);
    expect((await w.run(['whoami'])).code).toBe(0);
  });

  it('a refresh that hangs while the access token still works: the command goes on with it, session untouched', async () => {
    await w.newMachine();
    w.server.auth.tokenTtlSeconds = 60; // inside the 90 s refresh margin, well before expiry
    expect((await w.login()).code).toBe(0);
    w.server.auth.tokenTtlSeconds = 3600;
    const before = await w.sessionText();
    const faults = w.inject({ fault: 'hang', times: Infinity, route: REFRESH });
    const result = await w.run(['whoami', '--json']);
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({ email: 'ada@example.com' });
    expect(faults.hits).toBeGreaterThanOrEqual(1);
    expect(await w.sessionText()).toBe(before);
  });

  it('two commands queued on one hung refresh both end (the wait counts against the budget), session untouched', async () => {
    const before = await w.expiredSession();
    const faults = w.inject({ fault: 'hang', times: Infinity, route: REFRESH });
    const results = await Promise.all([w.run(['ls']), w.run(['whoami'])]);
    // Timed out at the server (6) or still waiting for the other's lock when the budget ran out (7).
    for (const r of results) expect([6, 7]).toContain(r.code);
    expect(results.map((r) => r.stderr).join('')).toContain('exai login');
    expect(faults.hits).toBeLessThanOrEqual(2 * RETRY.maxAttempts);
    expect(await w.sessionText()).toBe(before);
  });

  it('commands refreshing one expired session at once refresh it once and all succeed', async () => {
    await w.expiredSession();
    const sent = w.refreshes().length;
    const results = await Promise.all([1, 2, 3, 4].map(() => w.run(['whoami'])));
    expect(results.map((r) => r.code)).toEqual([0, 0, 0, 0]);
    expect(w.refreshes().slice(sent).map((r) => r.status)).toEqual([200]);
  });
});

describe('interrupted', () => {
  it.each([
    ['login', () => ['login', '--email', 'ada@example.com', '--password-stdin'], '/token?grant_type=password'],
    ['ls refreshing an expired session', () => ['ls'], REFRESH],
  ] as const)('Ctrl-C during a hung %s ends it at once (exit 130), the session file as it was', async (_name, argv, route) => {
    const before = route === REFRESH ? await w.expiredSession() : (await w.newMachine(), undefined);
    const controller = new AbortController();
    const faults = authFaults({ fault: 'hang', times: Infinity, route });
    // The interrupt comes once the request is at the server, as a user's Ctrl-C would.
    w.server.hooks.beforeAuth = (req, res, r) => {
      const taken = faults.hook(req, res, r);
      if (taken) controller.abort(new Error('SIGINT'));
      return taken;
    };
    const result = await w.machine.run([...argv()], { env: { EXAI_REQUEST_DEADLINE: '5m' }, stdin: PASSWORD, signal: controller.signal });
    expect(result.code).toBe(130);
    expect(faults.hits).toBe(1);
    if (before === undefined) await expect(fs.stat(w.sessionFile())).rejects.toThrow();
    else expect(await w.sessionText()).toBe(before);
  });
});
