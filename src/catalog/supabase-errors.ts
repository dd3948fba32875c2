/**
 * PostgREST and Storage failures as ExaiError. The SQL raises its own SQLSTATEs (EXQ01 quota,
 * EXQ02 too large, EXL01 lock lost, EXN01 no such row, EXD01 duplicate by hash); PostgREST
 * passes them as `code`. Storage answers client errors with HTTP 400 and puts the real
 * status in the body's `statusCode` (facts/supabase.md §1.6), so that is what is read.
 */
import { ExaiError, type ErrorName } from '../core/errors.js';
import { LOGIN_HINT } from '../auth/session.js';
import { DEADLINE_HINT, isDeadlineMessage } from '../auth/deadline-fetch.js';

/** The parsed error body postgrest-js returns, and the HTTP status. */
export interface RestFailure {
  code?: string | undefined;
  message?: string | undefined;
  details?: string | null | undefined;
  hint?: string | null | undefined;
}

const BY_SQLSTATE: Record<string, ErrorName> = {
  EXQ01: 'QUOTA_EXCEEDED',
  EXQ02: 'FILE_TOO_LARGE',
  EXL01: 'LOCK_LOST',
  EXN01: 'NOT_IN_CATALOG',
  EXD01: 'CATALOG_ERROR',
  PGRST301: 'AUTH_REQUIRED',
  PGRST302: 'AUTH_REQUIRED',
  PGRST303: 'AUTH_REQUIRED',
  '42501': 'AUTH_REFUSED',
};

/** Map a failed rpc or table read (`action` names it for the message). */
export function restError(error: RestFailure, status: number, action: string): ExaiError {
  const code = error.code ?? '';
  const message = error.message ?? 'unknown error';
  if (status === 0 || code === '') {
    const hint = isDeadlineMessage(message) ? DEADLINE_HINT : 'check SUPABASE_URL and your network, then try again';
    return new ExaiError('CATALOG_ERROR', `cannot reach the shared catalog (${action}): ${message}`, { retryable: true, status, hint });
  }
  const name = BY_SQLSTATE[code] ?? (status === 401 ? 'AUTH_REQUIRED' : 'CATALOG_ERROR');
  const hint = name === 'AUTH_REQUIRED' ? LOGIN_HINT : (error.hint ?? undefined);
  return new ExaiError(name, name === 'CATALOG_ERROR' ? `shared catalog ${action} failed: ${message}` : message, {
    status,
    hint: hint ?? (status >= 500 ? 'the Supabase project had a problem; try again' : undefined),
    retryable: status >= 500,
    details: { sqlstate: code, ...(error.details ? { server_details: error.details } : {}) },
  });
}

/** A Storage error as supabase-js reports it. */
export interface StorageFailure {
  message: string;
  status?: number | undefined;
  statusCode?: string | undefined;
}

/** The status Storage meant: the body's statusCode, not the HTTP 400 it came in. */
export function storageStatus(error: StorageFailure): number {
  const fromBody = Number.parseInt(error.statusCode ?? '', 10);
  return Number.isFinite(fromBody) ? fromBody : (error.status ?? 0);
}

/** Map a failed archive request (`what` names the object). */
export function storageError(error: StorageFailure, what: string): ExaiError {
  const status = storageStatus(error);
  if (status === 401 || status === 403) {
    return new ExaiError('AUTH_REFUSED', `the archive refused ${what}: ${error.message}`, { status, hint: 'check that the migrations (bucket policies) are applied and your session is valid' });
  }
  if (status === 413) return new ExaiError('FILE_TOO_LARGE', `${what} is larger than the archive bucket accepts`, { status, hint: "raise the bucket's file_size_limit, or upload with --no-archive" });
  if (status === 415) return new ExaiError('MIME_NOT_ALLOWED', `the archive bucket does not accept the type of ${what}: ${error.message}`, { status, hint: "add the type to the bucket's allowed_mime_types, or upload with --no-archive" });
  const hint = isDeadlineMessage(error.message) ? DEADLINE_HINT : status === 0 ? 'check SUPABASE_URL and your network, then try again' : undefined;
  return new ExaiError('CATALOG_ERROR', `archive request for ${what} failed: ${error.message}`, { status, retryable: status === 0 || status >= 500, hint });
}
