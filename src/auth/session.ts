/**
 * Who the user is for the shared backend, and the token their requests carry: the CI token
 * (EXAI_ACCESS_TOKEN) when set, otherwise the `exai login` session, refreshed before it
 * expires. No session, or one that can no longer be refreshed, is AUTH_REQUIRED (exit 4).
 */
import { ExaiError } from '../core/errors.js';
import { createSessionClient, createTokenClient, SESSION_STORAGE_KEY, type ProjectSettings, type SupabaseClient } from './client.js';
import { DEADLINE_HINT, isDeadlineMessage } from './deadline-fetch.js';
import { refuseElevatedKey, unverifiedClaims } from './key-kind.js';
import { createFileSessionStorage, reportingTokens, sessionPath, type SessionStorage } from './session-file.js';

/** Everything auth needs, taken from the loaded config by the caller. */
export interface AuthSettings extends ProjectSettings {
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

/** The hint every "log in first" error carries. */
export const LOGIN_HINT = 'run `exai login` (or set EXAI_ACCESS_TOKEN to a user access token in CI)';

/** Open the user's session or CI token; refuses keys that bypass RLS. */
export async function openUserAuth(settings: AuthSettings): Promise<UserAuth> {
  refuseElevatedKey(settings.anonKey, 'SUPABASE_ANON_KEY');
  if (settings.accessToken !== undefined) return openTokenAuth(settings, settings.accessToken);
  const { client, session } = await refreshedSession(settings);
  return {
    client,
    userId: session.user.id,
    email: session.user.email,
    source: 'session',
    // Under the refresh lock, as at open: a long upload refreshes mid-way, and a refresh token
    // is single-use, so two processes must not both spend it.
    accessToken: () => underRefreshLock(settings, async () => (await currentSession(client)).access_token),
    refreshAccessToken: () => underRefreshLock(settings, () => forceRefresh(client)),
  };
}

/** A new session from the stored refresh token (auth-js reads the file first: another process may have refreshed it). */
async function forceRefresh(client: SupabaseClient): Promise<string> {
  const { data, error } = await client.auth.refreshSession();
  if (error) throw authError(error, 'your session could not be refreshed');
  if (data.session === null) throw new ExaiError('AUTH_REQUIRED', 'not logged in to the shared backend', { hint: LOGIN_HINT });
  return data.session.access_token;
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

type Session = NonNullable<Awaited<ReturnType<SupabaseClient['auth']['getSession']>>['data']['session']>;

/**
 * The session, refreshed if it is about to expire, one process at a time: a refresh token is
 * single-use, and a process that lost a refresh race would be told the session is gone (and
 * auth-js would delete it). The winner writes the new session; the next one reads it.
 */
async function refreshedSession(settings: AuthSettings): Promise<{ client: SupabaseClient; session: Session }> {
  return underRefreshLock(settings, async () => {
    // Built under the lock: auth-js keeps the session it loads first, which must be the winner's.
    const client = createSessionClient(settings, sessionStorageOf(settings));
    return { client, session: await currentSession(client) };
  });
}

/** Run `fn` holding the session-refresh lock (one process at a time spends the refresh token). */
async function underRefreshLock<T>(settings: AuthSettings, fn: () => Promise<T>): Promise<T> {
  const { acquireLock } = await import('../core/lock/index.js');
  const lock = await acquireLock({ dir: settings.stateDir, key: 'auth-session', timeoutMs: 30_000, leaseMs: 30_000, owner: { command: 'exai (session refresh)' } });
  try {
    return await fn();
  } finally {
    await lock.release();
  }
}

/** The stored session, refreshed when it is about to expire; AUTH_REQUIRED when there is none. */
export async function currentSession(client: SupabaseClient): Promise<Session> {
  const { data, error } = await client.auth.getSession();
  if (error) throw authError(error, 'your session has expired or was revoked');
  if (data.session === null) throw new ExaiError('AUTH_REQUIRED', 'not logged in to the shared backend', { hint: LOGIN_HINT });
  return data.session;
}

/** Map an auth-js error: unreachable server vs a refused session. */
export function authError(error: { message: string; status?: number | undefined; name?: string }, refused: string): ExaiError {
  if (error.name === 'AuthRetryableFetchError' || error.status === 0 || (error.status ?? 0) >= 500) {
    const hint = isDeadlineMessage(error.message) ? DEADLINE_HINT : 'check SUPABASE_URL and your network, then try again';
    return new ExaiError('CATALOG_ERROR', `cannot reach the Supabase auth server: ${error.message}`, { retryable: true, hint });
  }
  return new ExaiError('AUTH_REQUIRED', `${refused}: ${error.message}`, { hint: LOGIN_HINT });
}

export { SESSION_STORAGE_KEY };
