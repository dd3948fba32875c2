/**
 * A TUS archive upload that outlives its access token. The loopback Storage refuses an expired
 * JWT on every TUS request as Supabase Storage does (403 AccessDenied, '"exp" claim timestamp
 * check failed'); its clock jumps two hours between the first chunk and the next PATCH, so the
 * token the upload started with expires mid-way, with no sleeping. A session refreshes (under
 * the session lock) and the PATCH is sent again with the new token; EXAI_ACCESS_TOKEN cannot be
 * refreshed and fails with AUTH_REQUIRED and a hint, leaving no archive object and no active row.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { pgSkipReason, startSupabaseWorld, type SupabaseWorld } from '../helpers/supabase-world.js';
import { makeMachine, type Machine } from './supabase-run.js';

const skip = await pgSkipReason();
const TWO_HOURS = 7200;

describe.skipIf(skip !== undefined)(`a TUS upload whose token expires mid-way${skip ? ` (skipped: ${skip})` : ''}`, () => {
  let world: SupabaseWorld;
  const machines: Machine[] = [];
  beforeAll(async () => {
    world = await startSupabaseWorld();
  });
  afterAll(() => world?.close());
  afterEach(async () => {
    world.server.hooks.beforeTus = undefined;
    world.server.jwt.skewSeconds = 0;
    for (const m of machines.splice(0)) await m.close();
  });

  async function machineWithBigFile(): Promise<{ machine: Machine; size: number }> {
    const machine = await makeMachine(world.server);
    machines.push(machine);
    const big = Buffer.alloc(7 * 1024 * 1024 + 5, 'b');
    for (let i = 0; i < big.length; i += 4096) big.write(`line ${i}\n`, i);
    await fs.writeFile(path.join(machine.cwd, 'big.txt'), big);
    return { machine, size: big.length };
  }

  /** The server's clock jumps past every token issued so far once the first chunk is in. */
  function expireTokensAfterFirstChunk(): void {
    world.server.hooks.beforeTus = (method) => {
      if (method === 'PATCH' && world.server.jwt.skewSeconds === 0) world.server.jwt.skewSeconds = TWO_HOURS;
    };
  }

  const tusSince = (before: number) => world.server.requests.slice(before).filter((r) => r.path.startsWith('/storage/v1/upload/resumable'));
  const objectsOf = async (userId: string) => (await world.admin.query("select name from storage.objects where bucket_id = 'exai-files' and name like $1 || '/%'", [userId])).rows;
  const rowsOf = async (userId: string) => (await world.admin.query<{ status: string; storage_path: string | null }>('select status, storage_path from public.files where user_id = $1', [userId])).rows;

  it('a session refreshes and the next PATCH carries the new token: the archive copy lands whole', async () => {
    const user = await world.server.addUser('tus-s@example.com', 'pw');
    const { machine, size } = await machineWithBigFile();
    expect((await machine.run(['login', '--email', 'tus-s@example.com', '--password-stdin'], { stdin: 'pw' })).code).toBe(0);
    expireTokensAfterFirstChunk();
    const before = world.server.requests.length;
    const up = await machine.run(['upload', 'big.txt', '--provider', 'local', '--json']);
    expect(up.stderr).toBe('');
    expect(up.code).toBe(0);
    // Creation with the first chunk, the PATCH refused (expired), then HEAD + PATCH with the new token.
    expect(tusSince(before).map((r) => `${r.method} ${r.status}`)).toEqual(['POST 201', 'PATCH 403', 'HEAD 200', 'PATCH 204']);
    const refreshes = world.server.requests.slice(before).filter((r) => r.path.includes('grant_type=refresh_token'));
    expect(refreshes.length).toBeGreaterThanOrEqual(1);
    const [row] = JSON.parse(up.stdout) as Array<{ sha256: string }>;
    const key = `${user.id}/${row!.sha256}`;
    expect((await world.server.readObject('exai-files', key)).length).toBe(size);
    expect(await rowsOf(user.id)).toEqual([{ status: 'active', storage_path: key }]);
  });

  it('EXAI_ACCESS_TOKEN cannot be refreshed: AUTH_REQUIRED with a hint, no archive object; the row is reconciled and the next run completes', async () => {
    const user = await world.server.addUser('tus-e@example.com', 'pw');
    const token = await world.server.auth.accessTokenFor(user, 3600);
    const { machine, size } = await machineWithBigFile();
    expireTokensAfterFirstChunk();
    const up = await machine.run(['upload', 'big.txt', '--provider', 'local'], { env: { EXAI_ACCESS_TOKEN: token } });
    const out = up.stdout + up.stderr;
    expect(out).toContain('the access token expired during the archive upload');
    expect(out).toContain('EXAI_ACCESS_TOKEN cannot be refreshed');
    expect(out).not.toContain(token);
    expect(await objectsOf(user.id)).toEqual([]);
    // Nothing can be written with the expired token, not even the row's failure: it stays
    // claimed until its lease runs out, as after a crash.
    expect((await rowsOf(user.id)).map((r) => r.status)).toEqual(['uploading']);
    // Then reads reconcile it (no quota held) and a run with a fresh token ends with one
    // active row: the provider's copy is adopted or sent again, never left unknown.
    await world.admin.query("update public.files set lease_expires_at = now() - interval '1 second' where user_id = $1", [user.id]);
    world.server.hooks.beforeTus = undefined;
    const fresh = { EXAI_ACCESS_TOKEN: await world.server.auth.accessTokenFor(user, 3600 * 4) };
    const quota = JSON.parse((await machine.run(['quota', '--json'], { env: fresh })).stdout) as { used_bytes: number };
    expect(quota.used_bytes).toBe(0);
    const again = await machine.run(['upload', 'big.txt', '--provider', 'local', '--json'], { env: fresh });
    expect(again.code).toBe(0);
    expect((await rowsOf(user.id)).map((r) => r.status).sort()).toEqual(['active', 'failed']);
    const after = JSON.parse((await machine.run(['quota', '--json'], { env: fresh })).stdout) as { used_bytes: number };
    expect(after.used_bytes).toBe(size);
  });
});
