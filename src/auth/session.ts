/**
 * Who the user is for the shared backend, and the token their requests carry: the CI token
 * (EXAI_ACCESS_TOKEN) when set, otherwise the `exai login` session, refreshed before it
 * expires. No session, or one that can no longer be refreshed, is AUTH_REQUIRED (exit 4).
 */
import { DEFAULT_RETRY } from '../core/config/defaults.js';
import { ExaiError } from '../core/errors.js';
import type { AuthRequestSettings } from './auth-request.js';
import { createCallbackClient, createTokenClient, SESSION_STORAGE_KEY, type SupabaseClient } from './client.js';
import { refuseElevatedKey, unverifiedClaims } from './key-kind.js';
import { needsRefresh, refreshStoredSession, stillValid } from './refresh.js';
import { createFileSessionStorage, reportingTokens, sessionPath, type SessionStorage } from './session-file.js';
import { LOGIN_HINT, readStoredSession, type StoredSession } from './stored-session.js';

/** Everything auth needs, taken from the loaded config by the caller. */
export interface AuthSettings extends AuthRequestSettings {
  /** EXAI_ACCESS_TOKEN: a user's access token for CI, used instead of the session. */
  accessToken?: string | undefined;
  /** The state dir; the session file lives in its `auth/` folder. */
  stateDir: string;
  /** Told each session token the process holds, so its redactor can mask it (MCP sessions). */
  onSecret?: ((secret: string) => void) | undefined;
}

/** An authenticated user and a client that speaks as them. */
export interface UserAuth {
  client: SupabaseClient;
  /** From the auth server's answer at login (session), or the token's `sub` (CI): bookkeeping only — the server checks every request. */
  userId: string;
  email: string | undefined;
  source: 'env' | 'session';
  /** The current access token (refreshed if it was about to expire), for requests made outside supabase-js (TUS). */
  accessToken(): Promise<string>;
  /** A new access token whatever the clock says (the server refused the last as expired); absent for a fixed token. */
  refreshAccessToken?(): Promise<string>;
}

export { LOGIN_HINT };

/** Open the user's session or CI token; refuses keys that bypass RLS. */
export async function openUserAuth(settings: AuthSettings): Promise<UserAuth> {
  refuseElevatedKey(settings.anonKey, 'SUPABASE_ANON_KEY');
  if (settings.accessToken !== undefined) return openTokenAuth(settings, settings.accessToken);
  const storage = sessionStorageOf(settings);
  // The access token a failed proactive refresh kept in use: not refreshed again until it expires.
  const kept = { token: undefined as string | undefined };
  let session = await underRefreshLock(settings, (left) => freshSession(left, storage, kept));
  // Under the refresh lock, as at open: a long upload refreshes mid-way, and a refresh token
  // is single-use, so two processes must not both spend it.
  const accessToken = async (): Promise<string> => {
    if (needsRefresh(session) && !(session.access_token === kept.token && stillValid(session))) {
      session = await underRefreshLock(settings, (left) => freshSession(left, storage, kept));
    }
    return session.access_token;
  };
  const refreshAccessToken = async (): Promise<string> => {
    const refused = session.access_token;
    session = await underRefreshLock(settings, (left) => refusedSession(left, storage, refused));
    return session.access_token;
  };
  return { client: createCallbackClient(settings, accessToken), userId: session.user.id, email: session.user.email, source: 'session', accessToken, refreshAccessToken };
}

/**
 * The stored session, refreshed when it is about to expire. Read under the lock: another
 * process may have refreshed it. A refresh that fails while the access token still works
 * keeps that token (as auth-js does) rather than failing a command that can still succeed.
 */
async function freshSession(settings: AuthSettings, storage: SessionStorage, kept: { token: string | undefined }): Promise<StoredSession> {
  const stored = await storedOrLogin(storage);
  if (!needsRefresh(stored)) return stored;
  try {
    return await refreshStoredSession(settings, storage, stored);
  } catch (error) {
    if (!stillValid(stored)) throw error;
    kept.token = stored.access_token;
    return stored;
  }
}

/** A new session after the server refused `refused` as expired (unless another process already replaced it). */
async function refusedSession(settings: AuthSettings, storage: SessionStorage, refused: string): Promise<StoredSession> {
  const stored = await storedOrLogin(storage);
  return stored.access_token === refused ? refreshStoredSession(settings, storage, stored) : stored;
}

async function storedOrLogin(storage: SessionStorage): Promise<StoredSession> {
  const stored = await readStoredSession(storage);
  if (stored === undefined) throw new ExaiError('AUTH_REQUIRED', 'not logged in to the shared backend', { hint: LOGIN_HINT });
  return stored;
}

function openTokenAuth(settings: AuthSettings, token: string): UserAuth {
  refuseElevatedKey(token, 'EXAI_ACCESS_TOKEN');
  const claims = unverifiedClaims(token);
  const sub = claims?.['sub'];
  if (typeof sub !== 'string' || sub === '') {
    throw new ExaiError('AUTH_REQUIRED', 'EXAI_ACCESS_TOKEN is not a user access token (a JWT with a subject)', { hint: LOGIN_HINT });
  }
  const email = claims?.['email'];
  return {
    client: createTokenClient(settings, token),
    userId: sub,
    email: typeof email === 'string' ? email : undefined,
    source: 'env',
    accessToken: () => Promise.resolve(token),
  };
}

/** The session file's storage for these settings. */
export function sessionStorageOf(settings: Pick<AuthSettings, 'stateDir' | 'onSecret'>): SessionStorage {
  return reportingTokens(createFileSessionStorage(sessionPath(settings.stateDir)), settings.onSecret);
}

/**
 * Run `fn` holding the session-refresh lock (one process at a time spends the refresh token).
 * The wait counts against the retry budget: `fn` gets the settings with what is left of it, so
 * a process that queued behind another's hung refresh still ends within one budget.
 */
export async function underRefreshLock<T>(settings: AuthSettings, fn: (left: AuthSettings) => Promise<T>): Promise<T> {
  const { acquireLock } = await import('../core/lock/index.js');
  const retry = settings.retry ?? DEFAULT_RETRY;
  const started = Date.now();
  const lock = await acquireLock({ dir: settings.stateDir, key: 'auth-session', timeoutMs: retry.totalBudgetMs, leaseMs: 30_000, owner: { command: 'exai (session refresh)' } });
  try {
    const left = Math.max(1, retry.totalBudgetMs - (Date.now() - started));
    return await fn({ ...settings, retry: { ...retry, totalBudgetMs: left } });
  } finally {
    await lock.release();
  }
}

export { SESSION_STORAGE_KEY };
