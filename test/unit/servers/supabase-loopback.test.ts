/**
 * The loopback Supabase refuses what PostgREST, Storage and Kong refuse, so the client tests
 * built on it prove something: no apikey, a forged, `alg: none` or expired JWT.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pgSkipReason, startSupabaseWorld, type SupabaseWorld } from '../../helpers/supabase-world.js';

const skip = await pgSkipReason();

describe.skipIf(skip !== undefined)(`loopback Supabase${skip ? ` (skipped: ${skip})` : ''}`, () => {
  let world: SupabaseWorld;
  beforeAll(async () => {
    world = await startSupabaseWorld();
  });
  afterAll(() => world?.close());

  const forge = (sub: string, alg: string, sig: string) =>
    `${Buffer.from(JSON.stringify({ alg, typ: 'JWT' })).toString('base64url')}.${Buffer.from(JSON.stringify({ sub, role: 'authenticated', exp: 4102444800 })).toString('base64url')}.${sig}`;
  const rpc = (token: string | undefined, apikey: string | null = world.server.anonKey) =>
    fetch(`${world.server.url}/rest/v1/rpc/exai_usage`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(apikey ? { apikey } : {}), ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: '{}',
    });

  it('answers a valid user token, as that user', async () => {
    const user = await world.server.addUser('ok@example.com', 'pw');
    const response = await rpc(await world.server.auth.accessTokenFor(user));
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ user_id: user.id });
  });

  it('refuses a request without an apikey (401)', async () => {
    const user = await world.server.addUser('nokey@example.com', 'pw');
    expect((await rpc(await world.server.auth.accessTokenFor(user), null)).status).toBe(401);
  });

  it.each(['none', 'bad signature', 'expired'])('refuses a %s token with 401 PGRST301', async (kind) => {
    const user = await world.server.addUser(`${kind.replace(' ', '-')}@example.com`, 'pw');
    const token = kind === 'none' ? forge(user.id, 'none', '') : kind === 'expired' ? await world.server.auth.accessTokenFor(user, -5) : forge(user.id, 'HS256', 'Zm9yZ2Vk');
    const response = await rpc(token);
    expect(response.status).toBe(401);
    expect(await response.json()).toMatchObject({ code: 'PGRST301' });
  });

  it('runs the anon key as anon, which may not call the user functions', async () => {
    const response = await rpc(world.server.anonKey);
    expect(response.status).toBe(401);
    expect(await response.json()).toMatchObject({ code: '42501' });
  });

  it('Storage answers a forged token with HTTP 400 and the real status 403 in the body', async () => {
    const response = await fetch(`${world.server.url}/storage/v1/object/exai-files/x/y`, {
      method: 'POST',
      headers: { apikey: world.server.anonKey, authorization: `Bearer ${forge('00000000-0000-0000-0000-000000000000', 'none', '')}`, 'content-type': 'text/plain' },
      body: 'x',
    });
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ statusCode: '403', code: 'AccessDenied' });
  });
});
