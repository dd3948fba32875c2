/** What exai accepts as a session from the server or the file, and how a refusal's text is shown. */
import { describe, expect, it } from 'vitest';
import { messageOf, needsRefresh, stillValid } from '../../../src/auth/refresh.js';
import { asSession, readStoredSession } from '../../../src/auth/stored-session.js';
import { SESSION_STORAGE_KEY } from '../../../src/auth/client.js';

const NOW = 1_800_000_000_000;
const good = { access_token: 'a.b.c', refresh_token: 'r', token_type: 'bearer', expires_in: 3600, expires_at: NOW / 1000 + 3600, user: { id: 'u1', email: 'ada@example.com', role: 'authenticated' } };

describe('asSession', () => {
  it('takes a GoTrue session, deriving expires_at from expires_in when it is missing', () => {
    expect(asSession(good, NOW)).toMatchObject({ access_token: 'a.b.c', refresh_token: 'r', expires_at: NOW / 1000 + 3600, user: { id: 'u1', email: 'ada@example.com' } });
    const { expires_at: _dropped, ...noExpiresAt } = good;
    expect(asSession(noExpiresAt, NOW)?.expires_at).toBe(NOW / 1000 + 3600);
  });

  it.each([
    ['null', null],
    ['an array', [good]],
    ['no access token', { ...good, access_token: '' }],
    ['a numeric access token', { ...good, access_token: 42 }],
    ['no refresh token field', { ...good, refresh_token: undefined }],
    ['no user', { ...good, user: null }],
    ['a user without id', { ...good, user: { email: 'x' } }],
    ['no expiry at all', { ...good, expires_at: undefined, expires_in: undefined }],
    ['an expiry that is not a number', { ...good, expires_at: 'soon', expires_in: 'later' }],
    ['an infinite expiry', { ...good, expires_at: Infinity, expires_in: undefined }],
  ])('refuses %s', (_name, value) => {
    expect(asSession(value, NOW)).toBeUndefined();
  });

  it('keeps non-string email and role out of the user', () => {
    expect(asSession({ ...good, user: { id: 'u1', email: { toString: 1 }, role: 7 } }, NOW)?.user).toMatchObject({ id: 'u1', email: undefined, role: undefined });
  });
});

describe('readStoredSession', () => {
  const storage = (text: string | null) => ({ getItem: (key: string) => Promise.resolve(key === SESSION_STORAGE_KEY ? text : null), setItem: () => Promise.resolve(), removeItem: () => Promise.resolve() });

  it('no entry is no session; a garbled one is AUTH_REQUIRED with a hint to log in', async () => {
    await expect(readStoredSession(storage(null))).resolves.toBeUndefined();
    await expect(readStoredSession(storage('{not json'))).rejects.toMatchObject({ name: 'AUTH_REQUIRED', hint: expect.stringContaining('exai login') as unknown });
    await expect(readStoredSession(storage('{"access_token":"x"}'))).rejects.toMatchObject({ name: 'AUTH_REQUIRED' });
  });
});

describe('when to refresh', () => {
  const session = (secondsLeft: number, refresh = 'r') => ({ ...good, refresh_token: refresh, expires_at: NOW / 1000 + secondsLeft });

  it('inside 90 s of expiry a session refreshes; a token login only once it has expired', () => {
    expect(needsRefresh(session(3600), NOW)).toBe(false);
    expect(needsRefresh(session(60), NOW)).toBe(true);
    expect(needsRefresh(session(60, ''), NOW)).toBe(false);
    expect(needsRefresh(session(-1, ''), NOW)).toBe(true);
  });

  it('a token with seconds left is not kept after a failed refresh', () => {
    expect(stillValid(session(60), NOW)).toBe(true);
    expect(stillValid(session(5), NOW)).toBe(false);
  });
});

describe('messageOf', () => {
  it("takes GoTrue's msg, error_description or message, without control characters, cut short", () => {
    expect(messageOf({ msg: 'Invalid Refresh Token: Already Used' }, 400)).toBe('Invalid Refresh Token: Already Used');
    expect(messageOf({ error: 'invalid_grant', error_description: 'bad\u001b[2Jgrant\r\nx' }, 400)).toBe('bad [2Jgrant x');
    expect(messageOf({ message: 'm'.repeat(5000) }, 400)).toHaveLength(200);
    expect(messageOf(undefined, 403)).toBe('HTTP 403');
    expect(messageOf({ msg: 42 }, 400)).toBe('HTTP 400');
  });
});
