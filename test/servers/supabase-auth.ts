/**
 * The GoTrue routes supabase-js's auth client calls: /token (password and refresh_token
 * grants), /user and /logout. Refresh tokens are single-use; users live in memory and, when
 * a database is attached, in auth.users so foreign keys and auth.uid() see them.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import type { JwtKit } from './supabase-jwt.js';

/** One account of the fake auth server. */
export interface AuthUser {
  id: string;
  email: string;
  password: string;
}

/** A JSON reply: status and body. */
export interface JsonReply {
  status: number;
  body: unknown;
}

/** The auth state of the loopback server. */
export interface AuthRoutes {
  users: Map<string, AuthUser>;
  /** Seconds each access token lives (short in refresh tests). */
  tokenTtlSeconds: number;
  handle(method: string, route: string, query: URLSearchParams, body: unknown, token: string | undefined): Promise<JsonReply>;
  /** A fresh access token for `user` (tests that skip login, EXAI_ACCESS_TOKEN). */
  accessTokenFor(user: AuthUser, ttlSeconds?: number): Promise<string>;
  addUser(email: string, password: string): AuthUser;
}

/** Auth routes signing with `jwt`. */
export function createAuthRoutes(jwt: JwtKit): AuthRoutes {
  const users = new Map<string, AuthUser>();
  const refreshTokens = new Map<string, string>();
  const routes: AuthRoutes = {
    users,
    tokenTtlSeconds: 3600,
    addUser: (email, password) => {
      const user = { id: randomUUID(), email, password };
      users.set(user.id, user);
      return user;
    },
    accessTokenFor: (user, ttl) => jwt.sign({ sub: user.id, role: 'authenticated', aud: 'authenticated', email: user.email }, ttl ?? routes.tokenTtlSeconds),
    handle: async (method, route, query, body, token) => {
      if (method === 'POST' && route === '/token') return grant(query.get('grant_type'), body);
      if (method === 'GET' && route === '/user') return currentUser(token);
      if (method === 'POST' && route === '/logout') return logout(token);
      return { status: 404, body: { code: 404, error_code: 'not_found', msg: 'no such route' } };
    },
  };

  async function session(user: AuthUser): Promise<JsonReply> {
    const refresh = randomBytes(16).toString('hex');
    refreshTokens.set(refresh, user.id);
    const expiresAt = Math.floor(Date.now() / 1000) + routes.tokenTtlSeconds;
    return {
      status: 200,
      body: { access_token: await routes.accessTokenFor(user), token_type: 'bearer', expires_in: routes.tokenTtlSeconds, expires_at: expiresAt, refresh_token: refresh, user: publicUser(user) },
    };
  }

  async function grant(type: string | null, body: unknown): Promise<JsonReply> {
    const fields = (body ?? {}) as Record<string, unknown>;
    if (type === 'password') {
      const user = [...users.values()].find((u) => u.email === fields['email'] && u.password === fields['password']);
      return user ? session(user) : refusal(400, 'invalid_credentials', 'Invalid login credentials');
    }
    if (type === 'refresh_token') {
      const owner = refreshTokens.get(String(fields['refresh_token']));
      refreshTokens.delete(String(fields['refresh_token']));
      const user = owner === undefined ? undefined : users.get(owner);
      return user ? session(user) : refusal(400, 'refresh_token_not_found', 'Invalid Refresh Token: Refresh Token Not Found');
    }
    return refusal(400, 'unsupported_grant_type', 'unsupported grant type');
  }

  async function currentUser(token: string | undefined): Promise<JsonReply> {
    const claims = token === undefined ? undefined : await jwt.verify(token);
    const user = claims?.sub === undefined ? undefined : users.get(claims.sub);
    return user ? { status: 200, body: publicUser(user) } : refusal(403, 'bad_jwt', 'invalid JWT: unable to parse or verify signature');
  }

  async function logout(token: string | undefined): Promise<JsonReply> {
    const claims = token === undefined ? undefined : await jwt.verify(token);
    if (claims?.sub === undefined) return refusal(403, 'bad_jwt', 'invalid JWT');
    for (const [refresh, owner] of refreshTokens) if (owner === claims.sub) refreshTokens.delete(refresh);
    return { status: 204, body: undefined };
  }

  return routes;
}

function publicUser(user: AuthUser): Record<string, unknown> {
  return { id: user.id, aud: 'authenticated', role: 'authenticated', email: user.email, app_metadata: { provider: 'email' }, user_metadata: {}, created_at: new Date(0).toISOString() };
}

function refusal(status: number, code: string, msg: string): JsonReply {
  return { status, body: { code: status, error_code: code, msg } };
}
