/** Only a real service key opens the operator client. */
import { describe, expect, it } from 'vitest';
import { openOperatorClient } from '../../../src/auth/operator.js';

const jwt = (role: string) => `eyJhbGciOiJIUzI1NiJ9.${Buffer.from(JSON.stringify({ role })).toString('base64url')}.c2ln`;

describe('openOperatorClient', () => {
  it('opens with a service-role JWT or an sb_secret_ key', () => {
    expect(openOperatorClient({ supabaseUrl: 'http://127.0.0.1:1', supabaseServiceRoleKey: jwt('service_role') })).toBeDefined();
    expect(openOperatorClient({ supabaseUrl: 'http://127.0.0.1:1', supabaseServiceRoleKey: 'sb_secret_abcdefghijkl' })).toBeDefined();
  });

  it.each([undefined, '', jwt('anon'), jwt('authenticated'), 'sb_publishable_abcdefghijkl'])('refuses %s (exit 9) without printing it', (key) => {
    expect(() => openOperatorClient({ supabaseUrl: 'http://127.0.0.1:1', supabaseServiceRoleKey: key })).toThrow(/SUPABASE_SERVICE_ROLE_KEY/);
  });
});
