/**
 * upload / ls / rm / quota with SUPABASE_URL set: the catalog and quota are the shared
 * backend's (the real SQL on PostgreSQL behind the loopback server), and two machines of one
 * user share them — the second machine's upload of the same content is a dedup hit that
 * sends nothing to the provider.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startFakeProvider, type FakeProvider } from '../servers/fake-provider.js';
import { pgSkipReason, startSupabaseWorld, type SupabaseWorld } from '../helpers/supabase-world.js';
import { makeMachine, type Machine } from './supabase-run.js';

const skip = await pgSkipReason();
const KIMI_KEY = 'sk-kimi-test-secret-0123456789abcdef';

describe.skipIf(skip !== undefined)(`shared backend end to end${skip ? ` (skipped: ${skip})` : ''}`, () => {
  let world: SupabaseWorld;
  let kimi: FakeProvider;
  const machines: Machine[] = [];

  beforeAll(async () => {
    world = await startSupabaseWorld();
    kimi = await startFakeProvider({ kind: 'kimi', apiKey: KIMI_KEY });
  });
  afterAll(async () => {
    await kimi?.close();
    await world?.close();
  });
  afterEach(async () => {
    for (const m of machines.splice(0)) await m.close();
  });

  async function loggedIn(email: string): Promise<Machine> {
    const machine = await makeMachine(world.server);
    machine.env['MOONSHOT_API_KEY'] = KIMI_KEY;
    machine.env['EXAI_KIMI_BASE_URL'] = kimi.url;
    machines.push(machine);
    const login = await machine.run(['login', '--email', email, '--password-stdin'], { stdin: 'pw-of-' + email });
    expect(login.code).toBe(0);
    return machine;
  }

  async function write(machine: Machine, name: string, content: string): Promise<void> {
    await fs.writeFile(path.join(machine.cwd, name), content);
  }

  it('two machines of one user share the catalog: the second upload of the same content is a dedup hit', async () => {
    await world.server.addUser('ada@example.com', 'pw-of-ada@example.com');
    const laptop = await loggedIn('ada@example.com');
    const runner = await loggedIn('ada@example.com');
    await write(laptop, 'notes.txt', 'shared content\n');
    await write(runner, 'copy.txt', 'shared content\n');
    const first = await laptop.run(['upload', 'notes.txt', '--no-archive', '--json']);
    expect(first.code).toBe(0);
    expect(JSON.parse(first.stdout)).toMatchObject([{ status: 'uploaded', provider: 'kimi' }]);
    const uploadsBefore = kimi.requests.filter((r) => r.method === 'POST').length;
    const supabaseBefore = world.server.requests.length;
    const second = await runner.run(['upload', 'copy.txt', '--no-archive', '--json']);
    expect(second.code).toBe(0);
    expect(JSON.parse(second.stdout)).toMatchObject([{ status: 'deduplicated', deduplicated: true }]);
    expect(kimi.requests.filter((r) => r.method === 'POST').length).toBe(uploadsBefore);
    expect(world.server.requests.length - supabaseBefore).toBeLessThanOrEqual(1);
    const ls = await runner.run(['ls', '--json']);
    expect(JSON.parse(ls.stdout)).toHaveLength(1);
    const quota = JSON.parse((await runner.run(['quota', '--json'])).stdout) as Record<string, number>;
    expect(quota['used_bytes']).toBe('shared content\n'.length);
  });

  async function objects(): Promise<Array<{ name: string; size: number; mimetype: string }>> {
    const rows = await world.admin.query<{ name: string; metadata: { size: number; mimetype: string } }>("select name, metadata from storage.objects where bucket_id = 'exai-files' order by name");
    return rows.rows.map((r) => ({ name: r.name, size: r.metadata.size, mimetype: r.metadata.mimetype }));
  }

  it('keeps an archive copy under <user_id>/<sha256> with its type; rm deletes row, provider file and copy', async () => {
    const user = await world.server.addUser('bea@example.com', 'pw-of-bea@example.com');
    const machine = await loggedIn('bea@example.com');
    await write(machine, 'doc.md', '# archived\n');
    const up = await machine.run(['upload', 'doc.md', '--json']);
    expect(up.code).toBe(0);
    const [row] = JSON.parse(up.stdout) as Array<{ sha256: string; file_id: string }>;
    const key = `${user.id}/${row!.sha256}`;
    expect((await objects()).filter((o) => o.name === key)).toEqual([{ name: key, size: 11, mimetype: 'text/markdown' }]);
    const rm = await machine.run(['rm', row!.file_id, '--yes']);
    expect(rm.code).toBe(0);
    expect((await objects()).some((o) => o.name === key)).toBe(false);
    expect(kimi.files.has(row!.file_id)).toBe(false);
  });

  it('sends a file over 6 MB to the archive with TUS in 6 MB chunks', async () => {
    const user = await world.server.addUser('cy@example.com', 'pw-of-cy@example.com');
    const machine = await loggedIn('cy@example.com');
    const big = Buffer.alloc(7 * 1024 * 1024 + 3, 'a');
    for (let i = 0; i < big.length; i += 4096) big.write(`block ${i}\n`, i);
    await fs.writeFile(path.join(machine.cwd, 'big.txt'), big);
    const before = world.server.requests.length;
    const up = await machine.run(['upload', 'big.txt', '--json']);
    expect(up.stderr).toBe('');
    expect(up.code).toBe(0);
    const [row] = JSON.parse(up.stdout) as Array<{ sha256: string }>;
    const key = `${user.id}/${row!.sha256}`;
    expect((await objects()).find((o) => o.name === key)?.size).toBe(big.length);
    expect((await world.server.readObject('exai-files', key)).equals(big)).toBe(true);
    // Creation carries the first 6 MB chunk, one PATCH the rest.
    const tus = world.server.requests.slice(before).filter((r) => r.path.startsWith('/storage/v1/upload/resumable'));
    expect(tus.map((r) => r.method)).toEqual(['POST', 'PATCH']);
  });

  it('one content at two providers shares one archive object ("already exists" of the same size is success); it goes with the last row', async () => {
    const user = await world.server.addUser('dee@example.com', 'pw-of-dee@example.com');
    const machine = await loggedIn('dee@example.com');
    await write(machine, 'twice.txt', 'same bytes, two providers\n');
    const toKimi = JSON.parse((await machine.run(['upload', 'twice.txt', '--provider', 'kimi', '--json'])).stdout) as Array<{ sha256: string; file_id: string }>;
    const toLocal = await machine.run(['upload', 'twice.txt', '--provider', 'local', '--json']);
    expect(toLocal.code).toBe(0);
    expect(toLocal.stderr).toBe('');
    const key = `${user.id}/${toKimi[0]!.sha256}`;
    const paths = await world.admin.query<{ storage_path: string }>("select storage_path from public.files where user_id = $1 and status = 'active'", [user.id]);
    expect(paths.rows.map((r) => r.storage_path)).toEqual([key, key]);
    expect((await machine.run(['rm', toKimi[0]!.file_id, '--yes'])).code).toBe(0);
    expect((await objects()).some((o) => o.name === key)).toBe(true);
    const [local] = JSON.parse(toLocal.stdout) as Array<{ file_id: string }>;
    expect((await machine.run(['rm', local!.file_id, '--yes'])).code).toBe(0);
    expect((await objects()).some((o) => o.name === key)).toBe(false);
  });

  it('doctor reports the session and the catalog as ok, and a missing session as a failure with the login hint', async () => {
    await world.server.addUser('doc@example.com', 'pw-of-doc@example.com');
    const machine = await loggedIn('doc@example.com');
    const report = JSON.parse((await machine.run(['doctor', '--json'])).stdout) as { checks: Array<{ name: string; status: string; hint?: string }> };
    expect(report.checks.filter((c) => c.name.startsWith('supabase')).map((c) => [c.name, c.status])).toEqual([
      ['supabase session', 'ok'],
      ['supabase catalog', 'ok'],
    ]);
    await machine.run(['logout']);
    const after = await machine.run(['doctor', '--json']);
    expect(after.code).toBe(1);
    const failed = (JSON.parse(after.stdout) as { checks: Array<{ name: string; status: string; hint?: string }> }).checks.find((c) => c.name === 'supabase session');
    expect(failed).toMatchObject({ status: 'fail' });
    expect(failed?.hint).toContain('exai login');
  });

  it("gc --orphans never deletes another user's provider file: not as a user, not as the operator", async () => {
    await world.server.addUser('gc-a@example.com', 'pw-of-gc-a@example.com');
    await world.server.addUser('gc-b@example.com', 'pw-of-gc-b@example.com');
    const a = await loggedIn('gc-a@example.com');
    const b = await loggedIn('gc-b@example.com');
    await write(b, 'bees.txt', 'b content\n');
    const [row] = JSON.parse((await b.run(['upload', 'bees.txt', '--provider', 'kimi', '--no-archive', '--json'])).stdout) as Array<{ file_id: string }>;
    // Old enough that gc's one-hour grace for fresh provider files does not protect it.
    kimi.files.get(row!.file_id)!.created_at -= 7 * 24 * 3600;
    expect((await a.run(['gc', '--orphans', '--yes', '--json'])).code).toBe(0);
    expect(kimi.files.has(row!.file_id)).toBe(true);
    expect((await a.run(['gc', '--orphans', '--yes', '--json'], { env: { SUPABASE_SERVICE_ROLE_KEY: world.server.serviceRoleKey } })).code).toBe(0);
    expect(kimi.files.has(row!.file_id)).toBe(true);
  });

  it('gc past retention deletes the row, the provider file and the archive copy', async () => {
    const user = await world.server.addUser('gc-r@example.com', 'pw-of-gc-r@example.com');
    const machine = await loggedIn('gc-r@example.com');
    await write(machine, 'old.txt', 'kept too long\n');
    const [row] = JSON.parse((await machine.run(['upload', 'old.txt', '--provider', 'kimi', '--json'])).stdout) as Array<{ file_id: string; sha256: string }>;
    const key = `${user.id}/${row!.sha256}`;
    expect((await objects()).some((o) => o.name === key)).toBe(true);
    await world.admin.query("update public.files set created_at = now() - interval '40 days' where user_id = $1", [user.id]);
    const gc = await machine.run(['gc', '--yes', '--json']);
    expect(gc.code).toBe(0);
    expect(kimi.files.has(row!.file_id)).toBe(false);
    expect((await objects()).some((o) => o.name === key)).toBe(false);
    expect(JSON.parse((await machine.run(['ls', '--json'])).stdout)).toEqual([]);
  });

  it("the operator's gc (service key) deletes every user's expired rows, provider files and archive copies", async () => {
    const one = await world.server.addUser('op-1@example.com', 'pw-of-op-1@example.com');
    const two = await world.server.addUser('op-2@example.com', 'pw-of-op-2@example.com');
    const m1 = await loggedIn('op-1@example.com');
    const m2 = await loggedIn('op-2@example.com');
    await write(m1, 'one.txt', 'first user\n');
    await write(m2, 'two.txt', 'second user\n');
    const [r1] = JSON.parse((await m1.run(['upload', 'one.txt', '--provider', 'kimi', '--json'])).stdout) as Array<{ file_id: string; sha256: string }>;
    const [r2] = JSON.parse((await m2.run(['upload', 'two.txt', '--provider', 'kimi', '--json'])).stdout) as Array<{ file_id: string; sha256: string }>;
    await world.admin.query("update public.files set created_at = now() - interval '40 days' where user_id = any($1::uuid[])", [[one.id, two.id]]);
    const operator = await makeMachine(world.server);
    machines.push(operator);
    const gc = await operator.run(['gc', '--yes', '--json'], { env: { MOONSHOT_API_KEY: KIMI_KEY, EXAI_KIMI_BASE_URL: kimi.url, SUPABASE_SERVICE_ROLE_KEY: world.server.serviceRoleKey } });
    expect(gc.stderr).toBe('');
    expect(gc.code).toBe(0);
    expect(kimi.files.has(r1!.file_id) || kimi.files.has(r2!.file_id)).toBe(false);
    const names = (await objects()).map((o) => o.name);
    expect(names).not.toContain(`${one.id}/${r1!.sha256}`);
    expect(names).not.toContain(`${two.id}/${r2!.sha256}`);
    const live = await world.admin.query("select 1 from public.files where user_id = any($1::uuid[]) and status <> 'deleted'", [[one.id, two.id]]);
    expect(live.rowCount).toBe(0);
  });
});
