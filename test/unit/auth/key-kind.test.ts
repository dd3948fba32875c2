/** Keys that bypass RLS are recognised by prefix and by their role claim, and refused for user commands. */
import { describe, expect, it } from 'vitest';
import { classifyKey, isElevatedKey, refuseElevatedKey } from '../../../src/auth/key-kind.js';

const jwt = (claims: Record<string, unknown>) => `eyJhbGciOiJIUzI1NiJ9.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.c2ln`;

describe('classifyKey', () => {
  it.each([
    ['sb_secret_abcdefghijklmnop', 'secret'],
    ['  sb_secret_abcdefghijklmnop\n', 'secret'],
    ['sb_publishable_abcdefghijklmnop', 'publishable'],
    [jwt({ role: 'service_role' }), 'service_role'],
    [jwt({ role: 'supabase_admin' }), 'service_role'],
    [jwt({ role: 'anon' }), 'anon'],
    [jwt({ role: 'authenticated', sub: 'u' }), 'user'],
    ['not-a-key', 'unknown'],
    ['a.%%%.b', 'unknown'],
    [`x.${Buffer.from('[1,2]').toString('base64url')}.y`, 'unknown'],
  ])('%s is %s', (key, kind) => {
    expect(classifyKey(key)).toBe(kind);
  });

  it('refuses elevated keys without printing them', () => {
    for (const key of ['sb_secret_abcdefghijklmnop', jwt({ role: 'service_role' })]) {
      expect(isElevatedKey(key)).toBe(true);
      expect(() => refuseElevatedKey(key, 'SUPABASE_ANON_KEY')).toThrow(/SUPABASE_ANON_KEY holds a service-role or secret key/);
      try {
        refuseElevatedKey(key, 'X');
      } catch (error) {
        expect(String((error as Error).message)).not.toContain(key);
      }
    }
    expect(() => refuseElevatedKey(jwt({ role: 'anon' }), 'X')).not.toThrow();
    expect(() => refuseElevatedKey(undefined, 'X')).not.toThrow();
  });
});
