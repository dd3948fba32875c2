/**
 * The world of the auth-fault tests: a loopback Supabase with one user, a machine whose
 * config makes retries small but real (three attempts, each within 300 ms, all within
 * 1.5 s), and helpers to log in, expire the session, read the session file and inject faults.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, expect } from 'vitest';
import { authFaults, type AuthFaultPlan, type AuthFaults } from '../servers/auth-faults.js';
import { readJson, startLoopbackSupabase, type LoopbackSupabase, type SupabaseRequest } from '../servers/supabase.js';
import { makeMachine, type Machine } from './supabase-run.js';

/** The refresh grant's route under /auth/v1. */
export const REFRESH = '/token?grant_type=refresh_token';
/** The user's password. */
export const PASSWORD = 'correct horse';
/** Small but real: three attempts, each within 300 ms, all within 1.5 s. */
export const RETRY = { maxAttempts: 3, baseDelayMs: 5, maxDelayMs: 10, totalBudgetMs: 1500 };
const ENV = { EXAI_REQUEST_DEADLINE: '300ms' };

/** What the tests use. */
export interface AuthFaultWorld {
  readonly server: LoopbackSupabase;
  readonly machine: Machine;
  newMachine(): Promise<Machine>;
  run(argv: string[], stdin?: string): ReturnType<Machine['run']>;
  login(): ReturnType<Machine['run']>;
  sessionFile(): string;
  sessionText(): Promise<string>;
  refreshes(): SupabaseRequest[];
  /** Log in with an access token that has already expired: the next command refreshes. Returns the session file's text. */
  expiredSession(): Promise<string>;
  inject(plan: AuthFaultPlan): AuthFaults;
}

/** Register the hooks (server per file, machine per test) and return the world. */
export function authFaultWorld(): AuthFaultWorld {
  let server: LoopbackSupabase;
  let machine: Machine | undefined;
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
  const world: AuthFaultWorld = {
    get server() {
      return server;
    },
    get machine() {
      return machine!;
    },
    newMachine: async () => {
      machine = await makeMachine(server);
      const dir = machine.env['EXAI_CONFIG_DIR']!;
      await fs.mkdir(dir, { recursive: true, mode: 0o700 });
      await fs.writeFile(path.join(dir, 'config.json'), JSON.stringify({ retry: RETRY }), { mode: 0o600 });
      return machine;
    },
    run: (argv, stdin) => world.machine.run(argv, { env: ENV, ...(stdin === undefined ? {} : { stdin }) }),
    login: () => world.run(['login', '--email', 'ada@example.com', '--password-stdin'], PASSWORD),
    sessionFile: () => path.join(world.machine.env['EXAI_STATE_DIR']!, 'auth', 'session.json'),
    sessionText: () => fs.readFile(world.sessionFile(), 'utf8'),
    refreshes: () => server.requests.filter((r) => r.path.startsWith(`/auth/v1${REFRESH}`)),
    expiredSession: async () => {
      await world.newMachine();
      server.auth.tokenTtlSeconds = -5;
      expect((await world.login()).code).toBe(0);
      server.auth.tokenTtlSeconds = 3600;
      return world.sessionText();
    },
    inject: (plan) => {
      // 'refresh-then-reset' spends the token at the real routes before cutting the answer.
      const faults = authFaults(plan, async (req) => {
        await server.auth.handle('POST', '/token', new URLSearchParams('grant_type=refresh_token'), await readJson(req), undefined);
      });
      server.hooks.beforeAuth = faults.hook;
      return faults;
    },
  };
  return world;
}
