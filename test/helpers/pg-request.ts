/**
 * Run SQL the way PostgREST (and Supabase Storage) do for one HTTP request: log in as
 * `authenticator`, open one transaction, switch role and publish the JWT claims with
 * transaction-local set_config(), run the statement, commit — or roll back on any error.
 * (../shared/facts/supabase.md §3.1, §3.4.)
 */
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { createSchemaDatabase, dropDatabase, findTestPg } from './pg.js';

/** Who makes a request: the JWT's role claim, and the user id (`sub`) for a signed-in user. */
export interface Caller {
  role: 'anon' | 'authenticated' | 'service_role';
  sub?: string;
}

/** The anonymous caller (publishable key, no session). */
export const ANON: Caller = { role: 'anon' };
/** The service role (secret key): bypasses RLS, may run the operator functions. */
export const SERVICE: Caller = { role: 'service_role' };

/** A signed-in user. */
export function user(sub: string): Caller {
  return { role: 'authenticated', sub };
}

/** One test file's database: an admin pool (superuser) and an API pool (as authenticator). */
export interface TestDb {
  name: string;
  admin: pg.Pool;
  api: pg.Pool;
  /** One PostgREST-style request: `body` runs inside the caller's transaction. */
  request<T>(caller: Caller, body: (client: pg.PoolClient) => Promise<T>, opts?: { readOnly?: boolean }): Promise<T>;
  /** POST /rpc/<fn> with named arguments; returns the result rows. */
  rpc<R extends pg.QueryResultRow = pg.QueryResultRow>(caller: Caller, fn: string, args?: Record<string, unknown>): Promise<R[]>;
  /** A new row in auth.users; returns its id. */
  addUser(): Promise<string>;
  close(): Promise<void>;
}

const IDENT = /^[a-z_][a-z0-9_]*$/;

function claimsOf(caller: Caller): string {
  const claims: Record<string, unknown> = { role: caller.role, exp: Math.floor(Date.now() / 1000) + 3600 };
  if (caller.sub) Object.assign(claims, { sub: caller.sub, aud: 'authenticated' });
  return JSON.stringify(claims);
}

async function runRequest<T>(api: pg.Pool, caller: Caller, body: (c: pg.PoolClient) => Promise<T>, readOnly: boolean): Promise<T> {
  const client = await api.connect();
  try {
    await client.query(readOnly ? 'BEGIN READ ONLY' : 'BEGIN');
    await client.query(
      `SELECT set_config('search_path', 'public', true), set_config('role', $1, true),
              set_config('request.jwt.claims', $2, true), set_config('request.method', 'POST', true)`,
      [caller.role, claimsOf(caller)],
    );
    const result = await body(client);
    await client.query('COMMIT');
    return result;
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  } finally {
    client.release();
  }
}

/** `SELECT * FROM public.fn(a => $1, …)`, as PostgREST calls a function with named arguments. */
export function rpcSql(fn: string, args: Record<string, unknown>): { text: string; values: unknown[] } {
  if (!IDENT.test(fn)) throw new Error(`bad function name ${fn}`);
  const names = Object.keys(args);
  for (const n of names) if (!IDENT.test(n)) throw new Error(`bad argument name ${n}`);
  const list = names.map((n, i) => `${n} => $${i + 1}`).join(', ');
  return { text: `SELECT * FROM public.${fn}(${list})`, values: names.map((n) => args[n]) };
}

/** A pool whose connections may be cut by DROP DATABASE … WITH (FORCE) once the file is done. */
function quietPool(config: pg.PoolConfig): pg.Pool {
  const pool = new pg.Pool(config);
  // pool.end() resolves before the sockets close: a backend terminated in that gap must not
  // surface as an unhandled 'error' event.
  pool.on('error', () => undefined);
  pool.on('connect', (client) => client.on('error', () => undefined));
  return pool;
}

/** Make this file's database; call close() in afterAll. Throws when no server (use findTestPg first). */
export async function openTestDb(): Promise<TestDb> {
  const target = await findTestPg();
  if (!target.ok) throw new Error(target.reason);
  const name = await createSchemaDatabase(target.config);
  const admin = quietPool({ ...target.config, database: name, max: 4 });
  // authenticator has no password: the test cluster trusts local connections.
  const api = quietPool({ ...target.config, database: name, user: 'authenticator', password: undefined, max: 30 });
  const request: TestDb['request'] = (caller, body, opts) => runRequest(api, caller, body, opts?.readOnly ?? false);
  return {
    name,
    admin,
    api,
    request,
    rpc: async (caller, fn, args = {}) => {
      const { text, values } = rpcSql(fn, args);
      return request(caller, async (c) => (await c.query(text, values)).rows);
    },
    addUser: async () => {
      const id = randomUUID();
      await admin.query('INSERT INTO auth.users (id, email) VALUES ($1, $2)', [id, `${id}@example.test`]);
      return id;
    },
    close: async () => {
      await Promise.allSettled([admin.end(), api.end()]);
      await dropDatabase(target.config, name);
    },
  };
}
