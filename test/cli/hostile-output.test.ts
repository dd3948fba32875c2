/* eslint-disable no-control-regex -- these tests are about control characters */
/**
 * Nothing from outside reaches the terminal raw: file names from a directory walk, provider
 * file ids, provider error text, lockfile fields and stored catalog fields, carrying ESC,
 * OSC, CR, LF, C1 and bidi characters, through every command's human output.
 */
import { mkdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startFakeProvider, type FakeProvider } from '../servers/fake-provider.js';
import { makeSandbox, readRows, runCli, seed, type Sandbox } from './catalog-cli.js';

// Valid file names on Linux (anything but '/' and NUL), each a way to fake or hide output.
const NAMES = [
  'evil\x1b[1A\x1b[2K✓ report.txt',
  'title\x1b]0;pwned\x07.txt',
  'link\x1b]8;;https:evil.example\x1b\\x\x1b]8;;\x1b\\.txt',
  'cr\r✓ clean.txt',
  'half\n✓ other.txt  12 B  note',
  'c1\u009b2K.txt',
  'bidi\u202Etxt.md',
  'iso\u2066late\u2069.txt',
];

// Anything a terminal acts on, except the LF that ends our own lines.
const RAW = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u061c\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff]/;
// Invisible or reordering, yet accepted by the path rules: these names reach the catalog.
const ACCEPTED_NAMES = ['rlm\u200Fcod.md.txt', 'alm\u061Cx.txt', 'sep\u2028x.txt', 'zw\u200Bx\uFEFF.txt'];

const OUR_COLOURS = /\x1b\[(?:1|2|22|3[0-7]|39|9[0-7])m/g;
// A TTY progress line rewrites itself with exactly this; anything else is from outside.
const OUR_PROGRESS = /\r\x1b\[2K/g;

function expectInert(result: { stdout: string; stderr: string }, what: string): void {
  for (const [stream, text] of Object.entries({ stdout: result.stdout, stderr: result.stderr })) {
    const match = RAW.exec(text.replace(OUR_PROGRESS, '').replace(OUR_COLOURS, ''));
    expect(match, `${what} ${stream} has raw ${JSON.stringify(match?.[0])}: ${JSON.stringify(text)}`).toBeNull();
    // The second half of a name never stands as a line of its own.
    expect(text.split('\n').some((line) => /^(?:✓ )?other\.txt/.test(line)), `${what} ${stream}`).toBe(false);
  }
}

const sandboxes: Sandbox[] = [];
const servers: FakeProvider[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
  await Promise.all(sandboxes.splice(0).map((sb) => rm(sb.root, { recursive: true, force: true })));
});

async function sandbox(env: Record<string, string> = {}): Promise<Sandbox> {
  const sb = await makeSandbox(env);
  sandboxes.push(sb);
  return sb;
}

async function writeNames(sb: Sandbox, names: readonly string[] = NAMES): Promise<void> {
  await mkdir(path.join(sb.cwd, 'in'));
  for (const [i, name] of names.entries()) await writeFile(path.join(sb.cwd, 'in', name), `note ${i}\n`);
}

describe('human output escapes what came from outside', () => {
  it('validate (a directory walk), in human and JUnit form, with and without colour', async () => {
    const sb = await sandbox();
    await writeNames(sb);
    const plain = await runCli(sb, ['validate', 'in']);
    expectInert(plain, 'validate');
    expect(plain.stdout).toContain('evil\\x1B[1A\\x1B[2K✓ report.txt');
    expect(plain.stdout).toContain('half\\n✓ other.txt');
    expect(plain.stdout).toContain('bidi\\u{202E}txt.md');
    expectInert(await runCli(sb, ['validate', 'in', '--reporter', 'junit']), 'validate junit');
    const colour = { ...sb, env: { ...sb.env, NO_COLOR: undefined, FORCE_COLOR: '1' } };
    const coloured = await runCli(colour, ['validate', 'in'], { tty: true });
    expect(coloured.stdout).toMatch(OUR_COLOURS);
    expectInert(coloured, 'validate in colour');
  });

  it('upload rejects names with controls, and uploads, lists and removes names with invisible characters', async () => {
    const sb = await sandbox();
    await writeNames(sb);
    const rejected = await runCli(sb, ['upload', 'in']);
    expect(rejected.code).toBe(3);
    expect(rejected.stdout).toContain('cr\\r✓ clean.txt');
    expectInert(rejected, 'upload of rejected names');
    const sb2 = await sandbox();
    await writeNames(sb2, ACCEPTED_NAMES);
    const upload = await runCli(sb2, ['upload', 'in']);
    expect(upload.code, upload.stdout + upload.stderr).toBe(0);
    expect(upload.stdout).toContain('rlm\\u{200F}cod.md.txt');
    expectInert(upload, 'upload');
    const ls = await runCli(sb2, ['ls']);
    expect(ls.stdout).toContain('sep\\u{2028}x.txt');
    expectInert(ls, 'ls');
    expectInert(await runCli(sb2, ['quota']), 'quota');
    const removed = await runCli(sb2, ['rm', path.join('in', ACCEPTED_NAMES[0]!), '--yes']);
    expect(removed.code).toBe(0);
    expect(removed.stdout).toContain('cod.md.txt');
    expectInert(removed, 'rm');
  });

  it('stored provider file ids and names from an older or shared catalog: ls, rm, and an ambiguous rm', async () => {
    const sb = await sandbox();
    const sha = (c: string) => `abcdef${c.repeat(58)}`;
    await seed(sb, { fileId: 'cid\x1b[2J\x1b[H✓', name: NAMES[0], sha256: sha('1') });
    await seed(sb, { fileId: 'cid-2', name: NAMES[4], sha256: sha('2') });
    expectInert(await runCli(sb, ['ls']), 'ls');
    const ambiguous = await runCli(sb, ['rm', 'abcdef', '--yes']);
    expect(ambiguous.stderr).toContain('matches 2 files');
    expectInert(ambiguous, 'ambiguous rm');
    expectInert(await runCli(sb, ['rm', 'cid\x1b[2J\x1b[H✓', '--yes', '--dry-run']), 'rm by id');
  });

  it('unlock: lockfile fields and names of interrupted uploads', async () => {
    const sb = await sandbox();
    const lock = path.join(sb.env.EXAI_STATE_DIR!, 'locks', `${'e'.repeat(64)}.lock`);
    await mkdir(path.dirname(lock), { recursive: true });
    const owner = { pid: 4242, hostname: 'host\x1b]0;t\x07\n✓ other.txt', user: 'u', command: 'exai\r\x1b[2K upload', started: new Date(0).toISOString(), lease_expires_at: 1, nonce: 'n' };
    await writeFile(lock, JSON.stringify(owner));
    await seed(sb, { leaseMs: 1, createdAt: Date.now() - 60_000, name: NAMES[3] });
    const r = await runCli(sb, ['unlock']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('removed');
    expectInert(r, 'unlock');
  });

  it('config: values, the config path, and commander echoing what was typed', async () => {
    const sb = await sandbox({ EXAI_CONFIG_DIR: '' });
    sb.env.EXAI_CONFIG_DIR = path.join(sb.root, 'conf\x1b[31m\u202E');
    expectInert(await runCli(sb, ['config', 'set', 'purpose', 'batch\x1b[1A\n✓ other.txt']), 'config set');
    expectInert(await runCli(sb, ['config', 'list']), 'config list');
    expectInert(await runCli(sb, ['config', 'get', 'purpose']), 'config get');
    expectInert(await runCli(sb, ['config', 'path']), 'config path');
    expectInert(await runCli(sb, ['validate', '--max-size', 'x\x1b]0;t\x07', 'a']), 'bad option value');
    expectInert(await runCli(sb, ['ls', '--\x1b[2Jbogus']), 'unknown option');
  });
});

describe('provider text', () => {
  const KEY = 'sk-hostile-output-test-0123456789';
  async function kimi(sb: Sandbox, faults: Parameters<typeof startFakeProvider>[0]['faults']): Promise<void> {
    const server = await startFakeProvider({ kind: 'kimi', apiKey: KEY, faults: faults ?? [] });
    servers.push(server);
    Object.assign(sb.env, { MOONSHOT_API_KEY: KEY, EXAI_KIMI_BASE_URL: server.url });
    await writeFile(path.join(sb.cwd, 'a.txt'), 'hello\n');
  }

  it('error text with escape sequences is shown escaped', async () => {
    const sb = await sandbox();
    const message = 'denied\x1b[1A\x1b[2K\x1b]0;owned\x07 \u202Efdp.exe\u009b2J';
    await kimi(sb, [{ kind: 'reply', status: 400, body: { error: { type: 'bad\x1b[5m', message } } }]);
    const r = await runCli(sb, ['upload', 'a.txt']);
    expect(r.code).not.toBe(0);
    expect(r.stdout + r.stderr).toContain('denied\\x1B[1A');
    expectInert(r, 'upload error');
  });

  it('a file id that is not plain printable ASCII is refused before it is stored', async () => {
    for (const id of ['file-\x1b[2J', 'file-\u202Eabc', 'file\nx', 'file id', 'файл', 'x'.repeat(300)]) {
      const sb = await sandbox();
      const body = { id, object: 'file', bytes: 6, created_at: Math.floor(Date.now() / 1000), filename: 'a.txt', purpose: 'file-extract' };
      await kimi(sb, [{ kind: 'reply', status: 200, body }]);
      const r = await runCli(sb, ['upload', 'a.txt']);
      expect(r.code, JSON.stringify(id)).not.toBe(0);
      expect(r.stdout + r.stderr).toContain('not plain printable ASCII');
      expectInert(r, `upload answered with id ${JSON.stringify(id)}`);
      const rows = await readRows(sb);
      expect(rows.filter((row) => row.status === 'active')).toEqual([]);
      expect(rows.map((row) => row.providerFileId).filter((x) => x !== null && x !== undefined)).toEqual([]);
    }
  });

  it('a file id that carries the key back is refused too, and the key is stored nowhere', async () => {
    const sb = await sandbox();
    const body = { id: `file-${KEY}`, object: 'file', bytes: 6, created_at: Math.floor(Date.now() / 1000), filename: 'a.txt', purpose: 'file-extract' };
    await kimi(sb, [{ kind: 'reply', status: 200, body }]);
    const r = await runCli(sb, ['upload', 'a.txt']);
    expect(r.code).not.toBe(0);
    expect(r.stdout + r.stderr).toContain('repeats the API key');
    const rows = await readRows(sb);
    expect(JSON.stringify(rows)).not.toContain(KEY);
    expect(rows.filter((row) => row.status === 'active')).toEqual([]);
  });
});
