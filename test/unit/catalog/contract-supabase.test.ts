/**
 * The catalog contract against the Supabase catalog: supabase-js through the loopback
 * server, each request run as the signed-in user on a real PostgreSQL with the migrations.
 * Skipped, saying why, when no PostgreSQL is reachable (required in CI).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
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
  describe('supabase catalog: fencing and adoption (contract.md §1-3)', () => {
    it('an error text is stored without the tokens it quoted', async () => {
      const w = world!;
      const user = await w.server.addUser(`redact-${Math.random()}@example.com`, 'pw');
      const catalog = new SupabaseCatalog(createTokenClient(w.server, await w.server.auth.accessTokenFor(user)));
      const claim = await catalog.claim({ userId: user.id, provider: 'kimi', purpose: 'file-extract', sha256: 'e'.repeat(64), sizeBytes: 1, mimeType: 'text/plain', originalName: 'a.txt', leaseMs: 60_000, quotaBytes: 0, now: 0 });
      await catalog.fail(claim.record.id, 'provider said 401 for Authorization: Bearer sk-abcdefghijklmnop0123 and key sb_secret_abcdefghijklmnop', 0);
      const [row] = await catalog.findByRef(user.id, claim.record.id);
      expect(row?.error).toContain('provider said 401');
      expect(row?.error).not.toMatch(/sk-abcdefghijklmnop0123|sb_secret_abcdefghijklmnop/);
    });

    it('a run whose claim was taken over cannot complete or fail the new claim (LOCK_LOST, exit 7)', async () => {
      const w = world!;
      const user = await w.server.addUser(`fence-${Math.random()}@example.com`, 'pw');
      const token = await w.server.auth.accessTokenFor(user);
      const stale = new SupabaseCatalog(createTokenClient(w.server, token));
      const fresh = new SupabaseCatalog(createTokenClient(w.server, token));
      const input = { userId: user.id, provider: 'local' as const, purpose: 'file-extract', sha256: 'd'.repeat(64), sizeBytes: 10, mimeType: 'text/plain', originalName: 'a.txt', leaseMs: 60_000, quotaBytes: 0, now: 0 };
      const first = await stale.claim(input);
      await w.admin.query(`update public.files set lease_expires_at = now() - interval '1 second' where user_id = $1`, [user.id]);
      const second = await fresh.claim(input);
      if (first.kind !== 'claimed' || second.kind !== 'claimed') throw new Error('expected two claims');
      expect(second).toMatchObject({ abandoned: { id: first.record.id, status: 'failed' } });
      const lost = (await stale.complete(first.record.id, 'file-late', 0).catch((e: unknown) => e)) as { name: string; exitCode: number };
      expect(lost).toMatchObject({ name: 'LOCK_LOST', exitCode: 7 });
      const stolen = (await stale.complete(second.record.id, 'file-x', 0, { lockGeneration: (first.record as { lockGeneration?: number }).lockGeneration ?? -1 }).catch((e: unknown) => e)) as { name: string };
      expect(stolen.name).toBe('LOCK_LOST');
      expect((await fresh.complete(second.record.id, 'file-ok', 0)).status).toBe('active');
    });
  });
} else {
  describe.skip(`catalog contract: supabase (skipped: ${skip})`, () => it('needs PostgreSQL', () => undefined));
}
