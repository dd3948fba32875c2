/**
 * Spending the refresh token: one refresh_token grant under exai's deadline and retry budget,
 * the new session written only once it is whole. On any failure the session file is left as
 * it was — and since the server may have rotated the token without us hearing the answer,
 * the error says what to do if the next try is refused.
 */
import { ExaiError, isExaiError } from '../core/errors.js';
import { authRequest, type AuthRequestSettings } from './auth-request.js';
import type { SessionStorage } from './session-file.js';
import { asSession, LOGIN_HINT, writeStoredSession, type StoredSession } from './stored-session.js';

/** Refresh when the access token has less than this left: a command started now should not see it expire. */
export const REFRESH_MARGIN_MS = 90_000;

/** Added to a failure's hint when the refresh request may have reached the server. */
const ROTATED_HINT = 'the server may have spent your refresh token without the answer reaching exai: if the next try says the session is invalid or already used, run `exai login` again';

/** An access token with less than this left is not used when a refresh fails: it would expire in flight. */
const STILL_VALID_MS = 10_000;

/** True when `session`'s access token is expired or about to be (a token login, which cannot refresh, only once expired). */
export function needsRefresh(session: StoredSession, now: number = Date.now()): boolean {
  if (session.refresh_token === '') return session.expires_at * 1000 <= now;
  return session.expires_at * 1000 - now < REFRESH_MARGIN_MS;
}

/** True when `session`'s access token can still be sent for a while. */
export function stillValid(session: StoredSession, now: number = Date.now()): boolean {
  return session.expires_at * 1000 - now > STILL_VALID_MS;
}

/** A new session for `session`'s refresh token, saved to `storage`; `storage` is untouched on failure. */
export async function refreshStoredSession(settings: AuthRequestSettings, storage: SessionStorage, session: StoredSession): Promise<StoredSession> {
  if (session.refresh_token === '') {
    throw new ExaiError('AUTH_REQUIRED', 'your session has expired (a token login cannot be refreshed)', { hint: LOGIN_HINT });
  }
  let answer;
  try {
    answer = await authRequest(settings, { method: 'POST', route: '/token?grant_type=refresh_token', body: { refresh_token: session.refresh_token } });
  } catch (error) {
    throw withRotatedHint(error);
  }
  if (answer.status >= 400) {
    throw new ExaiError('AUTH_REQUIRED', `your session has expired or was revoked: ${messageOf(answer.body, answer.status)}`, { status: answer.status, hint: LOGIN_HINT });
  }
  const fresh = asSession(answer.body);
  if (fresh === undefined) {
    throw new ExaiError('CATALOG_ERROR', 'the Supabase auth server answered the session refresh without a usable session', { hint: ROTATED_HINT });
  }
  await writeStoredSession(storage, fresh);
  return fresh;
}

/** GoTrue's error text (msg, error_description, message), cut short and on one line. */
export function messageOf(body: unknown, status: number): string {
  const fields = (body ?? {}) as Record<string, unknown>;
  const text = [fields['msg'], fields['error_description'], fields['message'], fields['error']].find((v): v is string => typeof v === 'string' && v !== '');
  // eslint-disable-next-line no-control-regex -- the server's text reaches a terminal
  return text === undefined ? `HTTP ${status}` : text.replace(/[\u0000-\u001f\u007f-\u009f]+/g, ' ').slice(0, 200);
}

function withRotatedHint(error: unknown): unknown {
  if (!isExaiError(error)) return error;
  return new ExaiError(error.name, `the session could not be refreshed: ${error.message}`, {
    hint: error.hint ? `${error.hint}; ${ROTATED_HINT}` : ROTATED_HINT,
    retryable: error.retryable,
    status: error.status,
    details: error.details,
  });
}
