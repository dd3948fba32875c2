/**
 * The operator's client: SUPABASE_SERVICE_ROLE_KEY (or SUPABASE_SECRET_KEY) bypasses RLS, so
 * only operator commands (gc across all users) open one, and only with a key that really is
 * a service key — a user session never stands in for it, and it never stands in for one.
 */
import type { Config } from '../core/config/types.js';
import { ExaiError } from '../core/errors.js';
import { createTokenClient, type SupabaseClient } from './client.js';
import { isElevatedKey } from './key-kind.js';

/** A client acting as service_role; CONFIG_INVALID when the URL or key is missing or is not a service key. */
export function openOperatorClient(config: Pick<Config, 'supabaseUrl' | 'supabaseServiceRoleKey'> & Partial<Pick<Config, 'http'>>, fetchImpl?: typeof fetch): SupabaseClient {
  const url = config.supabaseUrl;
  const key = config.supabaseServiceRoleKey;
  if (url === undefined || url === '' || key === undefined || key === '') {
    throw new ExaiError('CONFIG_INVALID', 'operator commands across all users need SUPABASE_URL and SUPABASE_SERVICE_ROLE_KEY (or SUPABASE_SECRET_KEY)', {
      hint: "use the project's service-role/secret key, only on the operator's machine; without it, run as a user (your own rows only)",
    });
  }
  if (!isElevatedKey(key)) {
    throw new ExaiError('CONFIG_INVALID', 'SUPABASE_SERVICE_ROLE_KEY does not hold a service-role or secret key', {
      hint: 'copy the service_role (legacy JWT) or sb_secret_ key from the dashboard; a publishable key or a user token is not one',
    });
  }
  return createTokenClient({ url: url.replace(/\/+$/, ''), anonKey: key, fetch: fetchImpl, deadline: config.http }, key);
}
