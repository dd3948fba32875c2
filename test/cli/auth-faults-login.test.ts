/**
 * `exai login`, `whoami` and `logout` against an Auth server that hangs, answers 500, 429
 * with Retry-After, resets, or sends HTML, a non-session, 2 MiB or a refusal full of terminal
 * escapes: each ends within exai's deadline and retry budget with a hint, never leaves half a
 * session, and logout always removes the local one.
 */
import fs from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { startLoopbackSupabase } from '../servers/supabase.js';
import { authFaultWorld, PASSWORD, REFRESH } from './auth-fault-world.js';

const w = authFaultWorld();

describe('exai login', () => {
  it.each([
    ['hangs', { fault: 'hang', times: Infinity }, 6],
    ['answers 500 every time', { fault: '500', times: Infinity }, 1],
    ['answers an HTML page', { fault: 'html', times: Infinity }, 1],
    ['answers JSON that is not a session', { fault: 'not-a-session', times: Infinity }, 1],
    ['answers 2 MiB', { fault: 'huge', times: Infinity }, 1],
  ] as const)('an Auth server that %s: a clear error, no session file', async (_name, plan, code) => {
    await w.newMachine();
    w.inject(plan);
    const result = await w.login();
    expect(result.code).toBe(code);
    expect(result.stderr).toMatch(/hint/i);
    expect(result.stderr).not.toContain(PASSWORD);
    await expect(fs.stat(w.sessionFile())).rejects.toThrow();
  });

  it('a refusal whose message carries terminal escapes: AUTH_REFUSED, printed without them', async () => {
    await w.newMachine();
    w.inject({ fault: 'hostile-refusal', times: 1 });
    const result = await w.login();
    expect(result.code).toBe(4);
    expect(result.stderr).toContain('login refused: Invalid login');
    expect(result.stderr).not.toContain('\u001b');
    expect(result.stderr).not.toContain('\u0007');
  });

  it('a redirect (307) is not followed: the password never reaches the other server', async () => {
    const other = await startLoopbackSupabase();
    try {
      await w.newMachine();
      w.inject({ fault: 'redirect', times: Infinity, location: `${other.url}/auth/v1/token?grant_type=password` });
      const result = await w.login();
      expect(result.code).not.toBe(0);
      expect(result.stderr).toContain('not followed');
      expect(other.requests).toEqual([]);
      await expect(fs.stat(w.sessionFile())).rejects.toThrow();
    } finally {
      await other.close();
    }
  });

  it.each([
    ['500 once', { fault: '500', times: 1 }],
    ['429 with Retry-After: 0 once', { fault: '429', times: 1, retryAfter: '0' }],
    ['a reset once', { fault: 'reset', times: 1 }],
  ] as const)('%s, then an answer: logged in', async (_name, plan) => {
    await w.newMachine();
    w.inject(plan);
    const result = await w.login();
    expect(result.code).toBe(0);
    expect(result.stderr).toContain('logged in as ada@example.com');
  });
});

describe('exai whoami and logout', () => {
  it('whoami against a hung /user ends at the deadline (exit 6), session kept', async () => {
    await w.newMachine();
    expect((await w.login()).code).toBe(0);
    const before = await w.sessionText();
    w.inject({ fault: 'hang', times: Infinity, route: '/user' });
    const result = await w.run(['whoami']);
    expect(result.code).toBe(6);
    expect(result.stderr).toContain('http.requestDeadline');
    expect(await w.sessionText()).toBe(before);
  });

  it('logout against a hung Auth server ends within the budget and still removes the session', async () => {
    await w.newMachine();
    expect((await w.login()).code).toBe(0);
    const faults = w.inject({ fault: 'hang', times: Infinity, route: '/logout' });
    const result = await w.run(['logout']);
    expect(result.code).toBe(0);
    expect(result.stderr).toContain('logged out');
    expect(result.stderr).toContain('could not revoke the session');
    expect(faults.hits).toBeGreaterThanOrEqual(1);
    await expect(fs.stat(w.sessionFile())).rejects.toThrow();
  });

  it('logout of an expired session refreshes it to revoke it (the server takes only a live access token)', async () => {
    await w.expiredSession();
    const sent = w.server.requests.length;
    const result = await w.run(['logout', '--json']);
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual({ logged_out: true, revoked: true });
    expect(w.server.requests.slice(sent).map((r) => `${r.path} ${r.status}`)).toEqual([`/auth/v1${REFRESH} 200`, '/auth/v1/logout?scope=local 204']);
    await expect(fs.stat(w.sessionFile())).rejects.toThrow();
  });

  it('logout when the server answers 500 still removes the session', async () => {
    await w.newMachine();
    expect((await w.login()).code).toBe(0);
    w.inject({ fault: '500', times: Infinity, route: '/logout' });
    const result = await w.run(['logout']);
    expect(result.code).toBe(0);
    expect(result.stderr).toContain('could not revoke the session');
    await expect(fs.stat(w.sessionFile())).rejects.toThrow();
  });
});
