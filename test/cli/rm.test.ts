import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { RmResult as RmJson } from '../../src/cli/commands/rm.js';
import { startFakeProvider, type FakeProvider } from '../servers/fake-provider.js';
import { makeSandbox, readRows, runCli, seed, type Sandbox } from './catalog-cli.js';

const KEY = 'sk-test-rm-SECRET-0123456789abcdef';

let kimi: FakeProvider;
let sb: Sandbox;

/** Put a file at the fake server as if exai had uploaded it there. */
function remoteFile(id: string): void {
  kimi.files.set(id, { id, object: 'file', bytes: 10, created_at: 1, filename: 'notes.txt', purpose: 'file-extract', status: 'ok', sha256: '' });
}

const deletes = () => kimi.requests.filter((r) => r.method === 'DELETE');
const statusOf = async (id: string) => (await readRows(sb)).find((r) => r.id === id)?.status;
const usedBytes = async () => (JSON.parse((await runCli(sb, ['quota', '--json'])).stdout) as { used_bytes: number }).used_bytes;

beforeEach(async () => {
  kimi = await startFakeProvider({ kind: 'kimi', apiKey: KEY });
  sb = await makeSandbox({ MOONSHOT_API_KEY: KEY, EXAI_KIMI_BASE_URL: kimi.url });
});

afterEach(async () => {
  await kimi.close();
});

describe('exai rm', () => {
  it('deletes at the provider, soft-deletes the row and gives the quota back', async () => {
    const row = await seed(sb, { fileId: 'cabc123', size: 4096 });
    remoteFile('cabc123');
    expect(await usedBytes()).toBe(4096);
    const r = await runCli(sb, ['rm', 'cabc123', '--yes']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('deleted kimi cabc123');
    expect(deletes()).toHaveLength(1);
    expect(deletes()[0]?.authorized).toBe(true);
    expect(kimi.files.has('cabc123')).toBe(false);
    const after = (await readRows(sb)).find((x) => x.id === row.id);
    expect(after).toMatchObject({ status: 'deleted', deletionReason: 'user' });
    expect(after?.deletedAt).not.toBeNull();
    expect(await usedBytes()).toBe(0);
  });

  it('an id the provider already deleted succeeds: exit 0, row deleted, quota back', async () => {
    const row = await seed(sb, { fileId: 'cgone', size: 777 });
    remoteFile('cgone');
    kimi.files.delete('cgone'); // removed at the provider behind exai's back
    const r = await runCli(sb, ['rm', 'cgone', '--yes']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('already gone at provider');
    expect(deletes()[0]?.status).toBe(404);
    expect(await statusOf(row.id)).toBe('deleted');
    expect(await usedBytes()).toBe(0);
    const json = JSON.parse((await runCli(sb, ['ls', '--status', 'deleted', '--json'])).stdout) as unknown[];
    expect(json).toHaveLength(1);
  });

  it('refuses without --yes when not on a terminal, and changes nothing', async () => {
    const row = await seed(sb, { fileId: 'ckeep' });
    const r = await runCli(sb, ['rm', 'ckeep']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--yes');
    expect(deletes()).toHaveLength(0);
    expect(await statusOf(row.id)).toBe('active');
  });

  it('asks on a terminal: "no" keeps the file, "yes" deletes it', async () => {
    const row = await seed(sb, { fileId: 'cask' });
    remoteFile('cask');
    const questions: string[] = [];
    const no = await runCli(sb, ['rm', 'cask'], { tty: true, overrides: { confirm: (q) => (questions.push(q), Promise.resolve(false)) } });
    expect(no.code).toBe(1);
    expect(questions[0]).toMatch(/^Delete 1 file/);
    expect(await statusOf(row.id)).toBe('active');
    const yes = await runCli(sb, ['rm', 'cask'], { tty: true, overrides: { confirm: () => Promise.resolve(true) } });
    expect(yes.code).toBe(0);
    expect(await statusOf(row.id)).toBe('deleted');
  });

  it('--dry-run says what would go, makes no request and changes no row', async () => {
    const row = await seed(sb, { fileId: 'cdry', name: 'dry.txt' });
    remoteFile('cdry');
    const r = await runCli(sb, ['rm', 'cdry', '--dry-run', '--json']);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual([{ ref: 'cdry', id: row.id, provider: 'kimi', file_id: 'cdry', deleted: false, already_gone: false, dry_run: true }]);
    const human = await runCli(sb, ['rm', 'cdry', '--dry-run']);
    expect(human.stdout).toContain('would delete kimi cdry (dry.txt');
    expect(kimi.requests).toHaveLength(0);
    expect(await statusOf(row.id)).toBe('active');
  });

  it('a provider failure keeps the row, reports it, continues, and exits 8 for a mixed batch', async () => {
    const good = await seed(sb, { fileId: 'cgood' });
    const bad = await seed(sb, { fileId: 'cbad' });
    remoteFile('cgood');
    remoteFile('cbad');
    kimi.setFaults([{ kind: 'reply', status: 400, body: { error: { type: 'invalid_request_error', message: 'nope' } } }]);
    const r = await runCli(sb, ['rm', 'cbad', 'cgood', '--yes', '--json']);
    expect(r.code).toBe(8);
    const results = JSON.parse(r.stdout) as RmJson[];
    expect(results.map((x) => [x.ref, x.deleted])).toEqual([['cbad', false], ['cgood', true]]);
    expect(results[0]?.error?.name).toBe('PROVIDER_REJECTED');
    expect(await statusOf(bad.id)).toBe('active');
    expect(await statusOf(good.id)).toBe('deleted');
  });

  it('never prints the API key when the provider answers 401 or 500', async () => {
    const row = await seed(sb, { fileId: 'csecret' });
    remoteFile('csecret');
    kimi.setFaults([{ kind: 'reply', status: 401, body: { error: { type: 'invalid_authentication_error', message: `Invalid Authentication: Bearer ${KEY}` } } }]);
    const unauthorized = await runCli(sb, ['rm', 'csecret', '--yes']);
    expect(unauthorized.code).toBe(4);
    kimi.setFailAll({ kind: 'server-error', status: 500 });
    const failing = await runCli(sb, ['rm', 'csecret', '--yes', '--json']);
    expect(failing.code).not.toBe(0);
    for (const out of [unauthorized.stdout, unauthorized.stderr, failing.stdout, failing.stderr]) expect(out).not.toContain(KEY);
    expect(unauthorized.stderr).toContain('csecret');
    expect(deletes().length).toBeGreaterThan(2); // 5xx was retried
    expect(await statusOf(row.id)).toBe('active');
  });

  it('refuses a row that is still being uploaded, and removes an interrupted one without a provider call', async () => {
    const busy = await seed(sb, { content: 'in flight', leaseMs: 600_000 });
    const r = await runCli(sb, ['rm', busy.sha256.slice(0, 10), '--yes']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('still being uploaded');
    expect(await statusOf(busy.id)).toBe('uploading');
    const crashed = await seed(sb, { content: 'crashed', leaseMs: 1, createdAt: Date.now() - 60_000 });
    const gone = await runCli(sb, ['rm', 'zzz-missing', crashed.sha256, '--yes', '--json']);
    expect(gone.code).toBe(8);
    expect((JSON.parse(gone.stdout) as RmJson[]).map((x) => [x.ref, x.deleted])).toEqual([['zzz-missing', false], [crashed.sha256, true]]);
    expect(await statusOf(crashed.id)).toBe('deleted');
    expect(kimi.requests).toHaveLength(0);
  });

  it('a provider without a key is an auth error naming the env var; the row stays', async () => {
    const row = await seed(sb, { provider: 'glm', fileId: 'file-glm-1' });
    const r = await runCli(sb, ['rm', 'file-glm-1', '--yes']);
    expect(r.code).toBe(4);
    expect(r.stderr).toContain('ZAI_API_KEY');
    expect(await statusOf(row.id)).toBe('active');
  });

  it('resolves sha256 prefixes: one content on two providers goes from both; different contents are ambiguous', async () => {
    const a1 = await seed(sb, { provider: 'kimi', fileId: 'ca1', content: 'same bytes' });
    const a2 = await seed(sb, { provider: 'local', fileId: `local-${'0'.repeat(24)}`, content: 'same bytes' });
    const both = await runCli(sb, ['rm', a1.sha256.slice(0, 8), '--yes', '--json']);
    expect(both.code).toBe(0);
    expect((JSON.parse(both.stdout) as RmJson[]).map((x) => x.provider).sort()).toEqual(['kimi', 'local']);
    expect([await statusOf(a1.id), await statusOf(a2.id)]).toEqual(['deleted', 'deleted']);

    await seed(sb, { fileId: 'cx1', sha256: `abcdef01${'0'.repeat(56)}` });
    await seed(sb, { fileId: 'cx2', sha256: `abcdef02${'0'.repeat(56)}` });
    const amb = await runCli(sb, ['rm', 'abcdef0', '--yes']);
    expect(amb.code).toBe(2);
    expect(amb.stderr).toContain('"abcdef0" matches 2 files');
    expect(amb.stderr).toMatch(/abcdef010000 +kimi cx1/);
    expect(amb.stderr).toMatch(/abcdef020000 +kimi cx2/);
    expect((await runCli(sb, ['rm', 'abcdef01', '--yes'])).code).toBe(0);

    // The same provider file id at two providers is ambiguous too.
    await seed(sb, { provider: 'kimi', fileId: 'dup-id' });
    await seed(sb, { provider: 'local', fileId: 'dup-id' });
    expect((await runCli(sb, ['rm', 'dup-id', '--yes'])).code).toBe(2);

    const short = await runCli(sb, ['rm', 'abc', '--yes']);
    expect(short.code).toBe(1);
    expect(short.stderr).toContain('nothing in the catalog matches "abc"');
  });

  it('removes by path: the content is hashed through the safe read path; paths outside the roots are refused', async () => {
    const row = await seed(sb, { fileId: 'cpath', content: 'hello from a file\n' });
    remoteFile('cpath');
    await writeFile(path.join(sb.cwd, 'hello.txt'), 'hello from a file\n');
    const r = await runCli(sb, ['rm', 'hello.txt', '--yes']);
    expect(r.code).toBe(0);
    expect(await statusOf(row.id)).toBe('deleted');
    await writeFile(path.join(sb.root, 'outside.txt'), 'hello from a file\n');
    const outside = await runCli(sb, ['rm', '../outside.txt', '--yes', '--json']);
    expect(outside.code).toBe(3);
    expect((JSON.parse(outside.stdout) as RmJson[])[0]?.error?.name).toBe('PATH_OUTSIDE_ROOTS');
    await writeFile(path.join(sb.cwd, 'other.txt'), 'never uploaded');
    const unknown = await runCli(sb, ['rm', './other.txt', '--yes']);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('no uploaded file has the content of ./other.txt');
  });
});
