/**
 * `exai ls` with an expired access token, against the shared backend on PostgreSQL: the
 * refresh rides out a 500 and a 429 (Retry-After) and the listing follows with the new token;
 * a refresh that hangs ends at the deadline before any catalog request carries the dead token.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { pgSkipReason, startSupabaseWorld, type SupabaseWorld } from '../helpers/supabase-world.js';
import { authFaults } from '../servers/auth-faults.js';
import { makeMachine, type Machine } from './supabase-run.js';

const skip = await pgSkipReason();
const REFRESH = '/token?grant_type=refresh_token';
const ENV = { EXAI_REQUEST_DEADLINE: '300ms' };

describe.skipIf(skip !== undefined)(`exai ls refreshing an expired session${skip ? ` (skipped: ${skip})` : ''}`, () => {
  let world: SupabaseWorld;
  let machine: Machine;
  beforeAll(async () => {
    world = await startSupabaseWorld();
  });
  afterAll(() => world?.close());
  afterEach(async () => {
    world.server.hooks.beforeAuth = undefined;
    await machine?.close();
  });

  /** A machine whose session's access token has already expired. */
  async function expired(email: string): Promise<Machine> {
    await world.server.addUser(email, 'pw');
    machine = await makeMachine(world.server);
    const dir = machine.env['EXAI_CONFIG_DIR']!;
    await fs.mkdir(dir, { recursive: true, mode: 0o700 });
    await fs.writeFile(path.join(dir, 'config.json'), JSON.stringify({ retry: { maxAttempts: 3, baseDelayMs: 5, maxDelayMs: 10, totalBudgetMs: 1500 } }), { mode: 0o600 });
    world.server.auth.tokenTtlSeconds = -5;
    try {
      expect((await machine.run(['login', '--email', email, '--password-stdin'], { stdin: 'pw', env: ENV })).code).toBe(0);
    } finally {
      world.server.auth.tokenTtlSeconds = 3600;
    }
    return machine;
  }

  it('a 500 then a 429 with Retry-After: 0, then the refresh lands and ls lists with the new token', async () => {
    const m = await expired('ls-ok@example.com');
    let n = 0;
    world.server.hooks.beforeAuth = (req, res, route) => {
      if (!route.startsWith(REFRESH) || n >= 2) return false;
      req.resume();
      const status = n++ === 0 ? 500 : 429;
      res.writeHead(status, { 'content-type': 'application/json', ...(status === 429 ? { 'retry-after': '0' } : {}) }).end('{"msg":"busy"}');
      return true;
    };
    const before = world.server.requests.length;
    const result = await m.run(['ls', '--json'], { env: ENV });
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual([]);
    const sent = world.server.requests.slice(before).map((r) => `${r.path.startsWith('/auth/') ? 'auth' : 'rest'} ${r.status}`);
    expect(sent.slice(0, 3)).toEqual(['auth 500', 'auth 429', 'auth 200']);
    expect(sent.slice(3).every((s) => s === 'rest 200')).toBe(true);
  });

  it('a refresh that hangs: exit 6 at the deadline, no catalog request sent with the expired token', async () => {
    const m = await expired('ls-hung@example.com');
    world.server.hooks.beforeAuth = authFaults({ fault: 'hang', times: Infinity, route: REFRESH }).hook;
    const before = world.server.requests.length;
    const result = await m.run(['ls', '--json'], { env: ENV });
    expect(result.code).toBe(6);
    expect(result.stdout + result.stderr).toContain('exai login');
    expect(world.server.requests.slice(before).filter((r) => !r.path.startsWith('/auth/'))).toEqual([]);
  });
});
