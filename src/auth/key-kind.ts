/**
 * What kind of Supabase key or token a string is, from its shape alone. Used only to REFUSE
 * keys that bypass Row Level Security in user commands: a refusal grants nothing, so reading
 * an unverified claim for it is safe. Every decision that grants access is the server's.
 */
import { ExaiError } from '../core/errors.js';

/** Publishable/anon keys are safe to ship; secret/service-role keys bypass RLS. */
export type KeyKind = 'publishable' | 'secret' | 'anon' | 'service_role' | 'user' | 'unknown';

/** Classify a key by its prefix (new-style keys) or its JWT `role` claim (legacy keys, tokens). */
export function classifyKey(key: string): KeyKind {
  const trimmed = key.trim();
  if (trimmed.startsWith('sb_secret_')) return 'secret';
  if (trimmed.startsWith('sb_publishable_')) return 'publishable';
  const role = unverifiedClaims(trimmed)?.['role'];
  if (role === 'service_role' || role === 'supabase_admin') return 'service_role';
  if (role === 'anon') return 'anon';
  if (typeof role === 'string') return 'user';
  return 'unknown';
}

/** True for a key that bypasses RLS (a secret key or a service-role JWT). */
export function isElevatedKey(key: string): boolean {
  const kind = classifyKey(key);
  return kind === 'secret' || kind === 'service_role';
}

/** User commands refuse a key that would bypass RLS, naming where it came from. */
export function refuseElevatedKey(key: string | undefined, source: string): void {
  if (key === undefined || !isElevatedKey(key)) return;
  throw new ExaiError('AUTH_REFUSED', `${source} holds a service-role or secret key, which bypasses Row Level Security; user commands refuse it`, {
    hint: 'set SUPABASE_ANON_KEY (or SUPABASE_PUBLISHABLE_KEY) to the project\'s publishable key; the secret key belongs in SUPABASE_SERVICE_ROLE_KEY for operator commands only',
  });
}

/**
 * The payload of a JWT, NOT verified. Only for refusing keys and for local bookkeeping (when
 * to refresh, which folder to write under — the server checks the folder against the
 * verified token anyway); never for anything the server decides.
 */
export function unverifiedClaims(token: string): Record<string, unknown> | undefined {
  const parts = token.split('.');
  if (parts.length !== 3 || parts[1] === undefined) return undefined;
  try {
    const json: unknown = JSON.parse(Buffer.from(parts[1], 'base64url').toString('utf8'));
    return json !== null && typeof json === 'object' && !Array.isArray(json) ? (json as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}
