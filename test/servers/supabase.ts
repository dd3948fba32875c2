/**
 * A loopback stand-in for a Supabase project: the routes supabase-js calls, with JWTs
 * verified as PostgREST verifies them, and (when a PostgreSQL pool is given) every REST and
 * Storage request run against that database as the token's role. It only translates HTTP to
 * SQL: every security rule lives in the SQL migrations under test.
 */
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Pool } from 'pg';
import { createAuthRoutes, type AuthRoutes, type AuthUser, type JsonReply } from './supabase-auth.js';
import { bearerOf, createJwtKit, type JwtKit } from './supabase-jwt.js';
import { createRestRoutes, type RestRoutes } from './supabase-rest.js';
import { createStorageRoutes, type StorageRoutes } from './supabase-storage.js';

export type { AuthUser } from './supabase-auth.js';

/** One request as received (no headers: they carry tokens). */
export interface SupabaseRequest {
  method: string;
  path: string;
  status?: number;
}

export interface LoopbackSupabaseOptions {
  /** A pool connected as a role that may SET ROLE to anon/authenticated/service_role (PostgREST's authenticator). */
  db?: Pool | undefined;
  /** The auth server's own connection (GoTrue writes auth.users as its admin role, not as authenticator). */
  authDb?: Pool | undefined;
  /** Where Storage keeps object bytes; required with db for /storage routes. */
  storageDir?: string | undefined;
}

export interface LoopbackSupabase {
  url: string;
  anonKey: string;
  serviceRoleKey: string;
  jwt: JwtKit;
  auth: AuthRoutes;
  requests: SupabaseRequest[];
  /** Called before each TUS request is handled (tests change the world between chunks). */
  hooks: {
    beforeTus?: ((method: string) => void) | undefined;
    /** Called before each Auth request; true when it answered (or broke) the request itself (auth-faults.ts). */
    beforeAuth?: ((req: IncomingMessage, res: ServerResponse, route: string) => boolean) | undefined;
  };
  /** The stored bytes of a Storage object. */
  readObject(bucket: string, name: string): Promise<Buffer>;
  /** Add an account (and its auth.users row when a database is attached). */
  addUser(email: string, password: string): Promise<AuthUser>;
  close(): Promise<void>;
}

/** Start the server on 127.0.0.1 with a random JWT secret. */
export async function startLoopbackSupabase(options: LoopbackSupabaseOptions = {}): Promise<LoopbackSupabase> {
  const jwt = createJwtKit(randomBytes(32).toString('hex'));
  const anonKey = await jwt.sign({ role: 'anon', iss: 'supabase' }, 3600 * 24);
  const serviceRoleKey = await jwt.sign({ role: 'service_role', iss: 'supabase' }, 3600 * 24);
  const auth = createAuthRoutes(jwt);
  const rest = options.db ? createRestRoutes(options.db, jwt) : undefined;
  const storage = options.db && options.storageDir ? await createStorageRoutes(options.db, jwt, options.storageDir) : undefined;
  const requests: SupabaseRequest[] = [];
  const hooks: LoopbackSupabase['hooks'] = {};
  const server = createServer((req, res) => {
    const record: SupabaseRequest = { method: req.method ?? 'GET', path: req.url ?? '/' };
    requests.push(record);
    res.on('finish', () => (record.status = res.statusCode));
    void route(req, res, { auth, rest, storage, keys: [anonKey, serviceRoleKey], hooks }).catch((error: unknown) => {
      if (!res.headersSent) send(res, { status: 500, body: { message: String(error) } });
      else res.destroy();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    anonKey,
    serviceRoleKey,
    jwt,
    auth,
    requests,
    hooks,
    readObject: (bucket, name) => (storage ? storage.read(bucket, name) : Promise.reject(new Error('no storage'))),
    addUser: async (email, password) => {
      const user = auth.addUser(email, password);
      await (options.authDb ?? options.db)?.query('insert into auth.users (id, email) values ($1, $2)', [user.id, email]);
      return user;
    },
    close: async () => {
      await storage?.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

interface Routes {
  auth: AuthRoutes;
  rest: RestRoutes | undefined;
  storage: StorageRoutes | undefined;
  keys: string[];
  hooks: LoopbackSupabase['hooks'];
}

async function route(req: IncomingMessage, res: ServerResponse, routes: Routes): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://127.0.0.1');
  const token = bearerOf(req.headers.authorization);
  if (url.pathname.startsWith('/storage/v1/upload/resumable')) {
    if (!routes.storage) return send(res, unavailable());
    routes.hooks.beforeTus?.(req.method ?? 'GET');
    return routes.storage.tus(req, res);
  }
  // Kong in front of every Supabase project refuses a request without a known apikey.
  const apikey = req.headers['apikey'];
  if (typeof apikey !== 'string' || !routes.keys.includes(apikey)) return send(res, { status: 401, body: { message: 'Invalid API key' } });
  if (url.pathname.startsWith('/auth/v1/')) {
    if (routes.hooks.beforeAuth?.(req, res, url.pathname.slice('/auth/v1'.length) + url.search)) return;
    return send(res, await routes.auth.handle(req.method ?? 'GET', url.pathname.slice('/auth/v1'.length), url.searchParams, await readJson(req), token));
  }
  if (url.pathname.startsWith('/rest/v1/')) {
    if (!routes.rest) return send(res, unavailable());
    return send(res, await routes.rest.handle(req.method ?? 'GET', url.pathname.slice('/rest/v1'.length), url.searchParams, await readJson(req), token ?? apikey, req.headers));
  }
  if (url.pathname.startsWith('/storage/v1/')) {
    if (!routes.storage) return send(res, unavailable());
    return routes.storage.handle(req, res, url, token);
  }
  send(res, { status: 404, body: { message: 'no such route' } });
}

/** Read a JSON request body (undefined when empty). */
export async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const text = Buffer.concat(chunks).toString('utf8');
  if (text === '') return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

/** Write a JSON reply (204 has no body). */
export function send(res: ServerResponse, reply: JsonReply): void {
  if (reply.status === 204 || reply.body === undefined) {
    res.writeHead(reply.status).end();
    return;
  }
  const text = JSON.stringify(reply.body);
  res.writeHead(reply.status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) }).end(text);
}

function unavailable(): JsonReply {
  return { status: 503, body: { message: 'this loopback server has no database attached' } };
}
