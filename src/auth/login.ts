/**
 * Log in, log out, and ask the auth server who a token belongs to (the server verifies).
 * Every call goes through authRequest: exai's deadline, retry budget and retry policy.
 */
import { ExaiError } from '../core/errors.js';
import { authRequest, type AuthAnswer, type AuthRequestSettings } from './auth-request.js';
import { refuseElevatedKey, unverifiedClaims } from './key-kind.js';
import { messageOf, needsRefresh, refreshStoredSession } from './refresh.js';
import { removeSessionFile, sessionPath } from './session-file.js';
import { openUserAuth, sessionStorageOf, underRefreshLock, type AuthSettings } from './session.js';
import { asSession, LOGIN_HINT, readStoredSession, writeStoredSession, type SessionUser } from './stored-session.js';

/** A user as the auth server reports it. */
export interface VerifiedUser {
  id: string;
  email: string | undefined;
  role: string | undefined;
  source: 'env' | 'session';
  /** Epoch ms the current access token expires (session only). */
  expiresAt: number | undefined;
}

/** Email + password → a session saved in the session file (only once the server's answer is whole). */
export async function loginWithPassword(settings: AuthSettings, email: string, password: string): Promise<VerifiedUser> {
  refuseElevatedKey(settings.anonKey, 'SUPABASE_ANON_KEY');
  const answer = await authRequest(settings, { method: 'POST', route: '/token?grant_type=password', body: { email, password } });
  if (answer.status >= 400) {
    throw new ExaiError('AUTH_REFUSED', `login refused: ${messageOf(answer.body, answer.status)}`, { status: answer.status, hint: 'check the email and password (and that the account is confirmed)' });
  }
  const session = asSession(answer.body);
  if (session === undefined) throw malformed('the login');
  await writeStoredSession(sessionStorageOf(settings), session);
  return { id: session.user.id, email: session.user.email, role: session.user.role, source: 'session', expiresAt: session.expires_at * 1000 };
}

/** An access token given on stdin: the server says whose it is, then it is kept as the session (no refresh). */
export async function loginWithToken(settings: AuthSettings, token: string): Promise<VerifiedUser> {
  refuseElevatedKey(settings.anonKey, 'SUPABASE_ANON_KEY');
  refuseElevatedKey(token, 'the token');
  const user = await verifyToken(settings, token, 'the auth server refused the token');
  // exp is read only to know when to ask for a new login; the server checks it on every request.
  const exp = unverifiedClaims(token)?.['exp'];
  const expiresAt = typeof exp === 'number' ? exp : Math.floor(Date.now() / 1000) + 3600;
  const session = { access_token: token, refresh_token: '', token_type: 'bearer', expires_at: expiresAt, expires_in: Math.max(0, expiresAt - Math.floor(Date.now() / 1000)), user };
  await writeStoredSession(sessionStorageOf(settings), session);
  return { id: user.id, email: user.email, role: user.role, source: 'session', expiresAt: expiresAt * 1000 };
}

/** Ask the auth server who the current user is (never trusting a decoded token); refreshes an expiring session first. */
export async function whoami(settings: AuthSettings): Promise<VerifiedUser> {
  const auth = await openUserAuth(settings);
  const token = await auth.accessToken();
  const user = await verifyToken(settings, token, auth.source === 'env' ? 'the auth server refused the token' : 'the auth server refused your session');
  const expiresAt = auth.source === 'env' ? undefined : ((await readStoredSession(sessionStorageOf(settings)))?.expires_at ?? 0) * 1000;
  return { id: user.id, email: user.email, role: user.role, source: auth.source, expiresAt };
}

/** Revoke the session at the server when it can be reached in time, and always delete it locally. */
export async function logout(settings: AuthSettings): Promise<{ hadSession: boolean; revoked: boolean }> {
  let revoked = false;
  try {
    const storage = sessionStorageOf(settings);
    let session = await readStoredSession(storage);
    // The server revokes only for a live access token: an expired one is refreshed first (if
    // that fails, nothing more is sent — the whole logout stays within one retry budget).
    if (session !== undefined && needsRefresh(session) && session.refresh_token !== '') {
      session = await underRefreshLock(settings, async (left) => {
        // Another process may have refreshed it while this one waited.
        const current = await readStoredSession(storage);
        return current !== undefined && needsRefresh(current) ? refreshStoredSession(left, storage, current) : current;
      });
    }
    if (session !== undefined) revoked = await revoke(settings, session.access_token);
  } catch {
    // An unreadable or unsafe session file, or an auth server that is down or slow, and the
    // session is removed all the same: logging out must never leave it behind.
  }
  const hadSession = await removeSessionFile(sessionPath(settings.stateDir));
  return { hadSession: hadSession || revoked, revoked };
}

/** POST /logout?scope=local: this session's refresh token stops working at the server. */
async function revoke(settings: AuthRequestSettings, accessToken: string): Promise<boolean> {
  const answer = await authRequest(settings, { method: 'POST', route: '/logout?scope=local', token: accessToken });
  return answer.status < 300;
}

/** GET /user with `token`: the user the server says it belongs to. */
async function verifyToken(settings: AuthRequestSettings, token: string, refused: string): Promise<SessionUser> {
  const answer: AuthAnswer = await authRequest(settings, { method: 'GET', route: '/user', token });
  if (answer.status >= 400) throw new ExaiError('AUTH_REQUIRED', `${refused}: ${messageOf(answer.body, answer.status)}`, { status: answer.status, hint: LOGIN_HINT });
  const body = answer.body as Record<string, unknown> | undefined;
  if (body === null || typeof body !== 'object' || typeof body['id'] !== 'string' || body['id'] === '') throw malformed('the user lookup');
  return { ...body, id: body['id'], email: typeof body['email'] === 'string' ? body['email'] : undefined, role: typeof body['role'] === 'string' ? body['role'] : undefined };
}

function malformed(what: string): ExaiError {
  return new ExaiError('CATALOG_ERROR', `the Supabase auth server answered ${what} without the fields exai needs`, {
    hint: 'check SUPABASE_URL: it must be the project URL of a Supabase (GoTrue) auth server',
  });
}
