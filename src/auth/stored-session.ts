/**
 * The session as kept in the session file (the shape auth-js saves, so files written before
 * exai did its own refresh still load): read and checked field by field, written whole.
 */
import { ExaiError } from '../core/errors.js';
import { SESSION_STORAGE_KEY } from './client.js';
import type { SessionStorage } from './session-file.js';

/** The user fields exai reads from a session. */
export interface SessionUser {
  id: string;
  email?: string | undefined;
  role?: string | undefined;
  [field: string]: unknown;
}

/** A login session: the access token, the single-use refresh token ('' for a token login), and who it is. */
export interface StoredSession {
  access_token: string;
  refresh_token: string;
  token_type: string;
  /** Epoch seconds the access token expires. */
  expires_at: number;
  expires_in: number;
  user: SessionUser;
}

/** The hint every "log in first" error carries. */
export const LOGIN_HINT = 'run `exai login` (or set EXAI_ACCESS_TOKEN to a user access token in CI)';

/** The stored session; undefined when there is none. A garbled one is AUTH_REQUIRED. */
export async function readStoredSession(storage: SessionStorage): Promise<StoredSession | undefined> {
  const text = await storage.getItem(SESSION_STORAGE_KEY);
  if (text === null) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    value = undefined;
  }
  const session = asSession(value);
  if (session === undefined) throw new ExaiError('AUTH_REQUIRED', 'the saved session is unreadable', { hint: LOGIN_HINT });
  return session;
}

/** Replace the stored session (the file is replaced atomically: never half a session). */
export async function writeStoredSession(storage: SessionStorage, session: StoredSession): Promise<void> {
  await storage.setItem(SESSION_STORAGE_KEY, JSON.stringify(session));
}

/** `value` as a session when every field exai relies on is there; expires_at derived from expires_in if missing. */
export function asSession(value: unknown, now: number = Date.now()): StoredSession | undefined {
  if (value === null || typeof value !== 'object') return undefined;
  const v = value as Record<string, unknown>;
  const user = v['user'] as Record<string, unknown> | null | undefined;
  if (typeof v['access_token'] !== 'string' || v['access_token'] === '' || typeof v['refresh_token'] !== 'string') return undefined;
  if (user === null || typeof user !== 'object' || typeof user['id'] !== 'string' || user['id'] === '') return undefined;
  const expiresIn = typeof v['expires_in'] === 'number' && Number.isFinite(v['expires_in']) ? v['expires_in'] : undefined;
  const expiresAt = typeof v['expires_at'] === 'number' && Number.isFinite(v['expires_at']) ? v['expires_at'] : expiresIn === undefined ? undefined : Math.floor(now / 1000) + expiresIn;
  if (expiresAt === undefined) return undefined;
  return {
    access_token: v['access_token'],
    refresh_token: v['refresh_token'],
    token_type: typeof v['token_type'] === 'string' ? v['token_type'] : 'bearer',
    expires_at: expiresAt,
    expires_in: expiresIn ?? Math.max(0, expiresAt - Math.floor(now / 1000)),
    user: { ...user, id: user['id'], email: typeof user['email'] === 'string' ? user['email'] : undefined, role: typeof user['role'] === 'string' ? user['role'] : undefined },
  };
}
