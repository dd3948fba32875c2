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

  it('gc lock across machines: a second operator gc names the holder (hostile text made safe); a dead holder is taken over after its lease', async () => {
    const holder = { pid: 4242, hostname: 'ci-runner-2\u001b[2J', user: 'ci', command: 'gc', started: '2020-01-01T00:00:00Z' };
    await world.admin.query(
      `INSERT INTO exai_private.gc_locks (scope, generation, holder, acquired_at, expires_at) VALUES ('all-users', 1, $1, now(), now() + interval '1 hour')`,
      [JSON.stringify(holder)],
    );
    const operator = await makeMachine(world.server);
    machines.push(operator);
    const env = { SUPABASE_SERVICE_ROLE_KEY: world.server.serviceRoleKey };
    const busy = await operator.run(['gc', '--no-wait', '--yes'], { env });
    expect(busy.code).toBe(7);
    expect(busy.stderr).toMatch(/another gc is running on this catalog: pid 4242 on host ci-runner-2\?\[2J \(user ci\) since 2\d{3}-/);
    expect(busy.stderr).not.toContain('since 2020');
    expect(busy.stderr).not.toContain('\u001b');
    expect(busy.stderr).toContain('its lease runs out at');
    // The dry run needs no lock; a user's own gc has its own scope.
    expect((await operator.run(['gc', '--dry-run', '--no-wait'], { env })).code).toBe(0);
    await world.server.addUser('lock-u@example.com', 'pw-of-lock-u@example.com');
    const user = await makeMachine(world.server);
    machines.push(user);
    expect((await user.run(['login', '--email', 'lock-u@example.com', '--password-stdin'], { stdin: 'pw-of-lock-u@example.com' })).code).toBe(0);
    expect((await user.run(['gc', '--no-wait', '--yes'])).code).toBe(0);
    // The holder was killed -9: its lease runs out and the next gc takes over, then releases.
    await world.admin.query(`UPDATE exai_private.gc_locks SET expires_at = now() - interval '1 second'`);
    const next = await operator.run(['gc', '--no-wait', '--yes', '--json'], { env });
    expect(next.stderr).toBe('');
    expect(next.code).toBe(0);
    expect((await world.admin.query('SELECT 1 FROM exai_private.gc_locks')).rowCount).toBe(0);
  });
});
