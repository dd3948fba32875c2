/** PostgREST and Storage failures map to the exai errors (and exit codes) a user sees. */
import { describe, expect, it } from 'vitest';
import { restError, storageError, storageStatus } from '../../../src/catalog/supabase-errors.js';

describe('restError', () => {
  it.each([
    ['EXQ01', 400, 'QUOTA_EXCEEDED', 5],
    ['EXQ02', 400, 'FILE_TOO_LARGE', 3],
    ['EXL01', 400, 'LOCK_LOST', 7],
    ['EXN01', 400, 'NOT_IN_CATALOG', 1],
    ['PGRST301', 401, 'AUTH_REQUIRED', 4],
    ['PGRST303', 401, 'AUTH_REQUIRED', 4],
    ['42501', 403, 'AUTH_REFUSED', 4],
    ['23514', 400, 'CATALOG_ERROR', 1],
  ])('SQLSTATE %s (HTTP %i) is %s, exit %i', (code, status, name, exit) => {
    const error = restError({ code, message: 'm', details: '{"used_bytes":1}', hint: 'h' }, status, 'claim');
    expect(error.name).toBe(name);
    expect(error.exitCode).toBe(exit);
  });

  it('a network failure (status 0, no code) is a retryable CATALOG_ERROR', () => {
    const error = restError({ message: 'TypeError: fetch failed', code: '' }, 0, 'claim');
    expect(error).toMatchObject({ name: 'CATALOG_ERROR', retryable: true });
    expect(error.hint).toContain('SUPABASE_URL');
  });

  it('the server hint is kept; a login hint replaces it for auth failures', () => {
    expect(restError({ code: 'EXQ01', message: 'quota exceeded', hint: 'free space with exai rm' }, 400, 'claim').hint).toBe('free space with exai rm');
    expect(restError({ code: 'PGRST301', message: 'JWT' }, 401, 'claim').hint).toContain('exai login');
  });
});

describe('storage errors: the status is in the body of an HTTP 400', () => {
  it.each([
    ['409', 409],
    ['413', 413],
    [undefined, 400],
    ['garbage', 400],
  ])('statusCode %s → %i', (statusCode, status) => {
    expect(storageStatus({ message: 'x', status: 400, statusCode })).toBe(status);
  });

  it.each([
    ['403', 'AUTH_REFUSED'],
    ['413', 'FILE_TOO_LARGE'],
    ['415', 'MIME_NOT_ALLOWED'],
    ['500', 'CATALOG_ERROR'],
  ])('statusCode %s is %s', (statusCode, name) => {
    expect(storageError({ message: 'x', status: 400, statusCode }, 'u/abc').name).toBe(name);
  });
});
