/**
 * One PostgREST request as SQL: a transaction (read-only for GET), the settings PostgREST
 * sets (role, request.jwt.claims, method, path) with set_config(…, true), the query, then
 * commit — or rollback and the error mapped to the HTTP status PostgREST gives it.
 */
import type { Pool, PoolClient } from 'pg';
import type { JsonReply } from './supabase-auth.js';
import type { VerifiedClaims } from './supabase-jwt.js';

/** The request facts the settings carry. */
export interface RequestScope {
  claims: VerifiedClaims;
  method: string;
  path: string;
}

/** Run `work` in one transaction as the token's role; errors become PostgREST replies. */
export async function asRole(db: Pool, scope: RequestScope, work: (client: PoolClient) => Promise<JsonReply>): Promise<JsonReply> {
  const client = await db.connect();
  try {
    await client.query(scope.method === 'GET' || scope.method === 'HEAD' ? 'begin read only' : 'begin');
    await client.query(
      `select set_config('search_path', 'public', true), set_config('role', $1, true), set_config('request.jwt.claims', $2, true),
              set_config('request.method', $3, true), set_config('request.path', $4, true)`,
      [scope.claims.role, JSON.stringify(scope.claims), scope.method, scope.path],
    );
    const reply = await work(client);
    await client.query('commit');
    return reply;
  } catch (error) {
    await client.query('rollback').catch(() => undefined);
    return pgErrorReply(error, scope.claims.role);
  } finally {
    client.release();
  }
}

interface PgError {
  code?: string;
  message: string;
  detail?: string;
  hint?: string;
}

/** PostgREST's SQLSTATE → HTTP table (docs/references/errors.rst), for the codes that matter here. */
export function pgErrorReply(error: unknown, role: string): JsonReply {
  const e = error as PgError;
  const code = e.code ?? 'XX000';
  const body = { code, message: e.message, details: e.detail ?? null, hint: e.hint ?? null };
  return { status: statusFor(code, role), body };
}

function statusFor(code: string, role: string): number {
  if (code === '42501') return role === 'anon' ? 401 : 403;
  if (code === '23505' || code === '23503') return 409;
  if (code === '25006') return 405;
  if (code === '42883' || code === '42P01') return 404;
  if (code.startsWith('PT')) return Number.parseInt(code.slice(2), 10) || 500;
  if (code === 'P0001') return 400;
  if (code.startsWith('P0') || code.startsWith('XX') || code.startsWith('53') || code.startsWith('57')) return 500;
  return 400;
}
