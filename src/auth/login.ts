/** Log in, log out, and ask the auth server who a token belongs to (the server verifies). */
import { ExaiError } from '../core/errors.js';
import { createSessionClient, SESSION_STORAGE_KEY, type ProjectSettings } from './client.js';
import { refuseElevatedKey, unverifiedClaims } from './key-kind.js';
import { removeSessionFile, sessionPath, type SessionStorage } from './session-file.js';
import { authError, currentSession, openUserAuth, sessionStorageOf, type AuthSettings } from './session.js';

/** A user as the auth server reports it. */
export interface VerifiedUser {
  id: string;
  email: string | undefined;
  role: string | undefined;
  source: 'env' | 'session';
  /** Epoch ms the current access token expires (session only). */
  expiresAt: number | undefined;
}

/** Email + password → a session saved in the session file. */
export async function loginWithPassword(settings: AuthSettings, email: string, password: string): Promise<VerifiedUser> {
  refuseElevatedKey(settings.anonKey, 'SUPABASE_ANON_KEY');
  const client = createSessionClient(settings, sessionStorageOf(settings));
  const { data, error } = await client.auth.signInWithPassword({ email, password });
  if (error) {
    if (error.status === 400 || error.status === 401 || error.status === 422) {
      throw new ExaiError('AUTH_REFUSED', `login refused: ${error.message}`, { hint: 'check the email and password (and that the account is confirmed)' });
    }
    throw authError(error, 'login refused');
  }
  const session = data.session;
  return { id: session.user.id, email: session.user.email, role: session.user.role, source: 'session', expiresAt: (session.expires_at ?? 0) * 1000 };
}

/** An access token given on stdin: the server says whose it is, then it is kept as the session (no refresh). */
export async function loginWithToken(settings: AuthSettings, token: string): Promise<VerifiedUser> {
  refuseElevatedKey(settings.anonKey, 'SUPABASE_ANON_KEY');
  refuseElevatedKey(token, 'the token');
  const user = await verifyToken(settings, token);
  // exp is read only to know when to ask for a new login; the server checks it on every request.
  const exp = unverifiedClaims(token)?.['exp'];
  const expiresAt = typeof exp === 'number' ? exp : Math.floor(Date.now() / 1000) + 3600;
  const session = { access_token: token, refresh_token: '', token_type: 'bearer', expires_at: expiresAt, expires_in: Math.max(0, expiresAt - Math.floor(Date.now() / 1000)), user: user.raw };
  await sessionStorageOf(settings).setItem(SESSION_STORAGE_KEY, JSON.stringify(session));
  return { ...user.verified, source: 'session', expiresAt: expiresAt * 1000 };
}

/** Ask the auth server who the current user is (never trusting a decoded token). */
export async function whoami(settings: AuthSettings): Promise<VerifiedUser> {
  const auth = await openUserAuth(settings);
  if (auth.source === 'env') {
    const user = await verifyToken(settings, await auth.accessToken());
    return { ...user.verified, source: 'env', expiresAt: undefined };
  }
  const session = await currentSession(auth.client);
  const { data, error } = await auth.client.auth.getUser();
  if (error) throw authError(error, 'the auth server refused your session');
  return { id: data.user.id, email: data.user.email, role: data.user.role, source: 'session', expiresAt: (session.expires_at ?? 0) * 1000 };
}

/** Revoke the session at the server when it can be reached, and always delete it locally. */
export async function logout(settings: AuthSettings): Promise<{ hadSession: boolean; revoked: boolean }> {
  const file = sessionPath(settings.stateDir);
  const client = createSessionClient(settings, sessionStorageOf(settings));
  let revoked = false;
  try {
    const { data } = await client.auth.getSession();
    if (data.session) revoked = (await client.auth.signOut({ scope: 'local' })).error === null;
  } catch {
    // An unreadable or unsafe session file is removed all the same.
  }
  const hadSession = await removeSessionFile(file);
  return { hadSession: hadSession || revoked, revoked };
}

async function verifyToken(project: ProjectSettings, token: string): Promise<{ verified: Omit<VerifiedUser, 'source' | 'expiresAt'>; raw: unknown }> {
  const client = createSessionClient(project, memoryStorage());
  const { data, error } = await client.auth.getUser(token);
  if (error) throw authError(error, 'the auth server refused the token');
  return { verified: { id: data.user.id, email: data.user.email, role: data.user.role }, raw: data.user };
}

function memoryStorage(): SessionStorage {
  const map = new Map<string, string>();
  return {
    getItem: (key) => Promise.resolve(map.get(key) ?? null),
    setItem: (key, value) => Promise.resolve(void map.set(key, value)),
    removeItem: (key) => Promise.resolve(void map.delete(key)),
  };
}
