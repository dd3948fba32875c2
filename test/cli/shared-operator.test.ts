/**
 * The operator catalog (service key) over the loopback Supabase and real PostgreSQL: it pages
 * exai_admin_list by key, so every row comes back once however the pages fall, and
 * `gc --provider P` with the service key purges only P's failed rows.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { openOperatorClient } from '../../src/auth/operator.js';
import { SupabaseAdminCatalog } from '../../src/catalog/supabase-admin.js';
import { startFakeProvider } from '../servers/fake-provider.js';
import { pgSkipReason, startSupabaseWorld, type SupabaseWorld } from '../helpers/supabase-world.js';
import { makeMachine, type Machine } from './supabase-run.js';

const skip = await pgSkipReason();
const GLM_KEY = 'glm-operator-test-0123456789abcdef';

describe.skipIf(skip !== undefined)(`operator catalog${skip ? ` (skipped: ${skip})` : ''}`, () => {
  let world: SupabaseWorld;
  const machines: Machine[] = [];
  beforeAll(async () => {
    world = await startSupabaseWorld();
  });
  afterAll(async () => {
    await world?.close();
  });
  afterEach(async () => {
    for (const m of machines.splice(0)) await m.close();
    await world.admin.query('DELETE FROM public.files');
  });

  /** `n` failed rows of `provider` for a new user, a month old, on two instants a microsecond apart (keys tie on time). */
  async function seedFailed(email: string, n: number, provider: string): Promise<void> {
    const user = await world.server.addUser(email, `pw-of-${email}`);
    await world.admin.query(
      `INSERT INTO public.files (user_id, provider, purpose, sha256, size_bytes, mime_type, original_name, status, error, created_at, updated_at)
       SELECT $1, $2, 'file-extract', md5(random()::text) || md5(random()::text), 10, 'text/plain', 'f.txt', 'failed', 'boom',
              timestamptz '2026-10-01 00:00:00.000001+00' + (i % 2) * interval '1 microsecond', now() - interval '30 days'
         FROM generate_series(1, $3) AS i`,
      [user.id, provider, n],
    );
  }

  const operatorCatalog = (pageSize: number) =>
    new SupabaseAdminCatalog(openOperatorClient({ supabaseUrl: world.server.url, supabaseServiceRoleKey: world.server.serviceRoleKey }), pageSize);

  it('lists every row exactly once when pages split rows created in the same microsecond', async () => {
    await seedFailed('page-a@example.com', 7, 'kimi');
    await seedFailed('page-b@example.com', 6, 'glm');
    const listed = await operatorCatalog(4).list({});
    const ids = listed.map((r) => r.id);
    expect(new Set(ids).size).toBe(13);
    const all = await world.admin.query<{ id: string }>('SELECT id FROM public.files');
    expect(ids.sort()).toEqual(all.rows.map((r) => r.id).sort());
    expect((await operatorCatalog(4).list({ provider: 'glm' })).map((r) => r.provider)).toEqual(Array(6).fill('glm'));
  });

  it("gc --provider glm --status failed with the service key purges glm's failed rows and keeps kimi's", async () => {
    await seedFailed('purge-a@example.com', 3, 'kimi');
    await seedFailed('purge-b@example.com', 2, 'glm');
    const glm = await startFakeProvider({ kind: 'glm', apiKey: GLM_KEY });
    const operator = await makeMachine(world.server);
    machines.push(operator);
    const gc = await operator
      .run(['gc', '--provider', 'glm', '--status', 'failed', '--older-than', '7d', '--yes', '--json'], {
        env: { SUPABASE_SERVICE_ROLE_KEY: world.server.serviceRoleKey, ZAI_API_KEY: GLM_KEY, EXAI_GLM_BASE_URL: glm.url },
      })
      .finally(() => glm.close());
    expect(gc.stderr).toBe('');
    expect(gc.code, gc.stdout).toBe(0);
    expect((JSON.parse(gc.stdout) as { delete: Array<{ provider: string }> }).delete.map((d) => d.provider)).toEqual(['glm', 'glm']);
    const left = await world.admin.query<{ provider: string }>("SELECT provider FROM public.files WHERE status = 'failed'");
    expect(left.rows.map((r) => r.provider)).toEqual(['kimi', 'kimi', 'kimi']);
  });
});
