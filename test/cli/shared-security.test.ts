/**
 * What the shared backend guarantees whatever the client does: users see and touch only
 * their own rows and archive objects, the quota is the server's (exit 5), and forged or
 * anonymous tokens get nothing. The rules are the SQL's; the client only maps the answers.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createTokenClient } from '../../src/auth/client.js';
import type { UserAuth } from '../../src/auth/session.js';
import { createSupabaseArchive } from '../../src/catalog/supabase-archive.js';
import { SupabaseCatalog } from '../../src/catalog/supabase.js';
import { ExaiError } from '../../src/core/errors.js';
import { pgSkipReason, startSupabaseWorld, type SupabaseWorld } from '../helpers/supabase-world.js';
import { makeMachine, type Machine } from './supabase-run.js';

const skip = await pgSkipReason();
const SHA = 'c'.repeat(64);

describe.skipIf(skip !== undefined)(`shared backend security${skip ? ` (skipped: ${skip})` : ''}`, () => {
  let world: SupabaseWorld;
  const machines: Machine[] = [];
  beforeAll(async () => {
    world = await startSupabaseWorld();
  });
  afterAll(() => world?.close());
  afterEach(async () => {
    for (const m of machines.splice(0)) await m.close();
  });

  async function machineOf(email: string): Promise<Machine> {
    await world.server.addUser(email, 'pw');
    const machine = await makeMachine(world.server);
    machines.push(machine);
    expect((await machine.run(['login', '--email', email, '--password-stdin'], { stdin: 'pw' })).code).toBe(0);
    return machine;
  }

  it("user B neither lists nor deletes user A's files", async () => {
    const a = await machineOf('a1@example.com');
    const b = await machineOf('b1@example.com');
    await fs.writeFile(path.join(a.cwd, 'a.txt'), 'alpha\n');
    const up = await a.run(['upload', 'a.txt', '--provider', 'local', '--json']);
    expect(up.code).toBe(0);
    const [row] = JSON.parse(up.stdout) as Array<{ file_id: string; sha256: string }>;
    expect(JSON.parse((await b.run(['ls', '--json'])).stdout)).toEqual([]);
    const rm = await b.run(['rm', row!.sha256.slice(0, 12), '--yes']);
    expect(rm.code).not.toBe(0);
    expect(JSON.parse((await a.run(['ls', '--json'])).stdout)).toHaveLength(1);
  });

  it("the server's quota decides: over it, upload exits 5 and nothing is recorded", async () => {
    const m = await machineOf('q1@example.com');
    const id = JSON.parse((await m.run(['whoami', '--json'])).stdout).id as string;
    await world.admin.query('insert into public.user_quotas (user_id, quota_bytes) values ($1, 10)', [id]);
    await fs.writeFile(path.join(m.cwd, 'big.txt'), 'more than ten bytes\n');
    const up = await m.run(['upload', 'big.txt', '--provider', 'local']);
    expect(up.code).toBe(5);
    expect(up.stdout + up.stderr).toMatch(/quota exceeded/);
    const quota = JSON.parse((await m.run(['quota', '--json'])).stdout) as Record<string, number>;
    expect(quota).toMatchObject({ used_bytes: 0, limit_bytes: 10 });
  });

  it.each([
    ['a standard upload', 4],
    ['a TUS upload', 7 * 1024 * 1024],
  ])("no archive object lands under another user's folder, whatever user id the client claims (%s)", async (_kind, size) => {
    const victim = await world.server.addUser(`v-${size}@example.com`, 'pw');
    const attacker = await world.server.addUser(`x-${size}@example.com`, 'pw');
    const token = await world.server.auth.accessTokenFor(attacker);
    const forged: UserAuth = { client: createTokenClient(world.server, token), userId: victim.id, email: undefined, source: 'env', accessToken: () => Promise.resolve(token) };
    const archive = createSupabaseArchive(forged, world.server);
    const bytes = Buffer.alloc(size, 'e');
    const body = { size, filename: 'x.txt', mimeType: 'text/plain', open: () => Promise.resolve(Object.assign((async function* () { yield bytes; })(), { close: () => Promise.resolve() })) };
    const error = await archive.put({ sha256: SHA, body }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ExaiError);
    expect((error as ExaiError).name).toBe('AUTH_REFUSED');
    const rows = await world.admin.query("select 1 from storage.objects where name like $1 || '/%'", [victim.id]);
    expect(rows.rowCount).toBe(0);
  });

  it('a claim held by another machine makes an upload wait, then give up with exit 7 (no second provider upload)', async () => {
    const m = await machineOf('w1@example.com');
    const id = JSON.parse((await m.run(['whoami', '--json'])).stdout).id as string;
    await fs.writeFile(path.join(m.cwd, 'held.txt'), 'held elsewhere\n');
    const { createHash } = await import('node:crypto');
    const sha256 = createHash('sha256').update('held elsewhere\n').digest('hex');
    const user = world.server.auth.users.get(id)!;
    const other = new SupabaseCatalog(createTokenClient(world.server, await world.server.auth.accessTokenFor(user)));
    const held = await other.claim({ userId: id, provider: 'local', purpose: 'file-extract', sha256, sizeBytes: 15, mimeType: 'text/plain', originalName: 'held.txt', leaseMs: 60_000, quotaBytes: 0, now: 0 });
    expect(held.kind).toBe('claimed');
    const up = await m.run(['upload', 'held.txt', '--provider', 'local'], { env: { EXAI_LOCK_TIMEOUT: '1' } });
    expect(up.code).toBe(7);
    expect(up.stdout + up.stderr).toMatch(/still in progress/);
  });

  it('the anon key and forged tokens get nothing from the rpc functions', async () => {
    const anon = new SupabaseCatalog(createTokenClient(world.server, world.server.anonKey));
    expect(((await anon.usage('x').catch((e: unknown) => e)) as ExaiError).name).toMatch(/^AUTH_/);
    const user = await world.server.addUser('f1@example.com', 'pw');
    const forge = (alg: string, sig: string) =>
      `${Buffer.from(JSON.stringify({ alg, typ: 'JWT' })).toString('base64url')}.${Buffer.from(JSON.stringify({ sub: user.id, role: 'authenticated', exp: 4102444800 })).toString('base64url')}.${sig}`;
    for (const token of [forge('none', ''), forge('HS256', 'Zm9yZ2Vk'), await world.server.auth.accessTokenFor(user, -5)]) {
      const catalog = new SupabaseCatalog(createTokenClient(world.server, token));
      const error = (await catalog.usage(user.id).catch((e: unknown) => e)) as ExaiError;
      expect(error.name).toBe('AUTH_REQUIRED');
      expect(error.exitCode).toBe(4);
    }
  });
});
