/**
 * The shared gc lock (a lease row in the database) from `exai unlock` and `exai doctor`, over
 * the loopback Supabase and real PostgreSQL: the operator (service key) clears a dead gc's row
 * before its lease runs out, but a live one only with --all and --yes; a user sees and clears
 * only their own scope; the holder's text, written by another machine, is made safe.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { pgSkipReason, startSupabaseWorld, type SupabaseWorld } from '../helpers/supabase-world.js';
import { makeMachine, type Machine } from './supabase-run.js';

const skip = await pgSkipReason();

interface Doc {
  checks: Array<{ name: string; status: string; message: string; hint?: string }>;
}

describe.skipIf(skip !== undefined)(`shared gc lock in unlock and doctor${skip ? ` (skipped: ${skip})` : ''}`, () => {
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
    await world.admin.query('DELETE FROM exai_private.gc_locks');
  });

  const holder = { pid: 4242, hostname: 'ci-runner-2\u001b[2J', user: 'ci', command: 'gc', started: '2020-01-01T00:00:00Z' };
  const hold = (scope: string, live: boolean) =>
    world.admin.query(
      `INSERT INTO exai_private.gc_locks (scope, generation, holder, acquired_at, expires_at) VALUES ($1, 7, $2, now() - interval '10 minutes', now() + $3::interval)`,
      [scope, JSON.stringify(holder), live ? '1 hour' : '-1 second'],
    );
  const scopes = async () => (await world.admin.query<{ scope: string }>('SELECT scope FROM exai_private.gc_locks ORDER BY scope')).rows.map((r) => r.scope);
  async function machine(): Promise<Machine> {
    const m = await makeMachine(world.server);
    machines.push(m);
    return m;
  }
  const gcCheck = async (m: Machine, env: Record<string, string> = {}) =>
    (JSON.parse((await m.run(['doctor', '--json'], { env })).stdout) as Doc).checks.find((c) => c.name === 'gc lock');

  it('operator: doctor names the live holder; unlock keeps it, refuses --all without --yes, removes it with --all --yes', async () => {
    await hold('all-users', true);
    const op = await machine();
    const env = { SUPABASE_SERVICE_ROLE_KEY: world.server.serviceRoleKey };
    const check = await gcCheck(op, env);
    expect(check).toMatchObject({ status: 'ok', message: expect.stringMatching(/^held \(shared, operator scope\) by pid 4242 on ci-runner-2\?\[2J \(user ci\) since 2\d{3}-.*lease live until/) });
    expect(check?.message).not.toContain('2020');
    expect(check?.hint).toContain('exai unlock exai_gc_lock --all');
    const dry = await op.run(['unlock', '--dry-run', '--json'], { env });
    expect(dry.code, dry.stderr).toBe(0);
    expect(JSON.parse(dry.stdout)).toMatchObject({ removed: [], kept: [{ key: 'exai_gc_lock', stale: false, pid: 4242, command: 'gc' }] });
    expect((await op.run(['unlock'], { env })).code).toBe(0);
    const refused = await op.run(['unlock', 'exai_gc_lock', '--all'], { env });
    expect(refused.stderr).toContain('refusing to remove 1 live lock without confirmation');
    expect(await scopes()).toEqual(['all-users']);
    const forced = await op.run(['unlock', 'exai_gc_lock', '--all', '--yes', '--json'], { env });
    expect(forced.code, forced.stderr).toBe(0);
    expect(JSON.parse(forced.stdout)).toMatchObject({ removed: [{ key: 'exai_gc_lock', stale: false }], kept: [] });
    expect(forced.stdout).not.toContain('\u001b');
    expect(await scopes()).toEqual([]);
    expect(await gcCheck(op, env)).toMatchObject({ status: 'ok', message: 'not held (shared, operator scope)' });
  });

  it('operator: a dead gc whose lease ran out is stale in doctor and removed by a plain unlock', async () => {
    await hold('all-users', false);
    const op = await machine();
    const env = { SUPABASE_SERVICE_ROLE_KEY: world.server.serviceRoleKey };
    expect(await gcCheck(op, env)).toMatchObject({ status: 'warn', message: expect.stringContaining('lease expired at'), hint: expect.stringContaining('`exai unlock exai_gc_lock`') });
    const r = await op.run(['unlock', '--json'], { env });
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ removed: [{ key: 'exai_gc_lock', stale: true }] });
    expect(await scopes()).toEqual([]);
  });

  it('hostile: a signed-in user sees and clears only their own scope, never the operator’s', async () => {
    await hold('all-users', true);
    const u = await world.server.addUser('gcu@example.com', 'pw-of-gcu@example.com');
    await hold(`user:${u.id}`, true);
    const m = await machine();
    expect((await m.run(['login', '--email', 'gcu@example.com', '--password-stdin'], { stdin: 'pw-of-gcu@example.com' })).code).toBe(0);
    expect(await gcCheck(m)).toMatchObject({ status: 'ok', message: expect.stringContaining('held (shared, your scope)') });
    const r = await m.run(['unlock', '--all', '--yes', '--json']);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ removed: [{ key: 'exai_gc_lock' }] });
    expect(await scopes()).toEqual(['all-users']);
    expect(await gcCheck(m)).toMatchObject({ status: 'ok', message: 'not held (shared, your scope)' });
  });
});
