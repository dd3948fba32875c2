/**
 * The catalog contract against the Supabase catalog: supabase-js through the loopback
 * server, each request run as the signed-in user on a real PostgreSQL with the migrations.
 * Skipped, saying why, when no PostgreSQL is reachable (required in CI).
 */
import { afterAll, beforeAll, describe, it } from 'vitest';
import { createTokenClient } from '../../../src/auth/client.js';
import { SupabaseCatalog } from '../../../src/catalog/supabase.js';
import { pgSkipReason, startSupabaseWorld, type SupabaseWorld } from '../../helpers/supabase-world.js';
import { describeCatalogContract, type TestUser } from './contract.js';

const skip = await pgSkipReason();
let world: SupabaseWorld | undefined;

if (skip === undefined) {
  beforeAll(async () => {
    world = await startSupabaseWorld();
  });
  afterAll(() => world?.close());
  describeCatalogContract('supabase', async () => {
    const w = world!;
    const users = {
      alice: await w.server.addUser(`alice-${Math.random()}@example.com`, 'pw'),
      bob: await w.server.addUser(`bob-${Math.random()}@example.com`, 'pw'),
    };
    const catalogs = {
      alice: new SupabaseCatalog(createTokenClient(w.server, await w.server.auth.accessTokenFor(users.alice))),
      bob: new SupabaseCatalog(createTokenClient(w.server, await w.server.auth.accessTokenFor(users.bob))),
    };
    return {
      as: (user: TestUser) => catalogs[user],
      userId: (user: TestUser) => users[user].id,
      // An operator's change: user_quotas is not writable by users (RLS and grants).
      setQuota: async (user, bytes) => {
        await w.admin.query('insert into public.user_quotas (user_id, quota_bytes) values ($1, $2) on conflict (user_id) do update set quota_bytes = $2', [users[user].id, bytes]);
      },
      now: () => Date.now(),
      // PostgreSQL judges leases by its own clock: age the rows instead.
      expireLeases: async () => {
        await w.admin.query(`update public.files set lease_expires_at = now() - interval '1 second' where status = 'uploading' and user_id = any($1::uuid[])`, [[users.alice.id, users.bob.id]]);
      },
      close: () => Promise.resolve(),
    };
  });
} else {
  describe.skip(`catalog contract: supabase (skipped: ${skip})`, () => it('needs PostgreSQL', () => undefined));
}
