/**
 * Config that someone else controls is not trusted, `config set` never writes through a
 * link, and no credential in a base URL (in any spelling the URL parser accepts) nor a key
 * echoed by the argument parser reaches any output.
 */
import { chmod, chown, lstat, mkdir, readFile, readdir, readlink, rm, stat, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { makeSandbox, runCli, type Sandbox } from './catalog-cli.js';

const NOBODY = 65534;
const isRoot = process.getuid?.() === 0;
const sandboxes: Sandbox[] = [];
afterEach(async () => {
  await Promise.all(sandboxes.splice(0).map((sb) => rm(sb.root, { recursive: true, force: true })));
});

async function sandbox(): Promise<Sandbox> {
  const sb = await makeSandbox();
  sandboxes.push(sb);
  return sb;
}

/** Put a config dir at `dir` (made if needed) holding a config.json that sets maxFileSize to 1KB. */
async function configAt(sb: Sandbox, dir: string): Promise<string> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  sb.env.EXAI_CONFIG_DIR = dir;
  const file = path.join(dir, 'config.json');
  await writeFile(file, JSON.stringify({ maxFileSize: '1KB' }), { mode: 0o600 });
  return file;
}

describe('a config file someone else can change is refused (exit 9), as ssh does', () => {
  for (const mode of [0o666, 0o660, 0o602, 0o620]) {
    it(`mode ${mode.toString(8)}: names the file, its owner and mode, and the fix`, async () => {
      const sb = await sandbox();
      const file = await configAt(sb, sb.env.EXAI_CONFIG_DIR!);
      await chmod(file, mode);
      const r = await runCli(sb, ['validate', '.']);
      expect(r.code).toBe(9);
      expect(r.stderr).toContain(`config file ${file} is writable by other users`);
      expect(r.stderr).toContain(`mode 0${mode.toString(8)}`);
      expect(r.stderr).toContain(`chmod go-w ${file}`);
      const json = await runCli(sb, ['config', 'list', '--json']);
      expect(json.code).toBe(9);
      expect(JSON.parse(json.stderr)).toMatchObject({ error: { name: 'CONFIG_INVALID', path: file } });
    });
  }

  it.skipIf(!isRoot)('owned by another user (not root): names the owner and says chown', async () => {
    const sb = await sandbox();
    const file = await configAt(sb, sb.env.EXAI_CONFIG_DIR!);
    await chown(file, NOBODY, NOBODY);
    const r = await runCli(sb, ['config', 'get', 'maxFileSize']);
    expect(r.code).toBe(9);
    expect(r.stderr).toMatch(/owned by another user \(owner nobody \(uid 65534\), mode 0600\)/);
    expect(r.stderr).toContain(`chown ${process.getuid?.()} ${file}`);
  });

  it.skipIf(!isRoot)('in a directory owned by another user, or a symlink to a file of theirs', async () => {
    const sb = await sandbox();
    const dir = path.join(sb.root, 'theirs');
    await configAt(sb, dir);
    await chown(dir, NOBODY, NOBODY);
    const r = await runCli(sb, ['config', 'list']);
    expect(r.code).toBe(9);
    expect(r.stderr).toContain(`is in directory ${dir}, owned by another user`);

    const sb2 = await sandbox();
    const target = path.join(sb2.root, 'their-config.json');
    await writeFile(target, JSON.stringify({ maxFileSize: '1KB' }), { mode: 0o600 });
    await chown(target, NOBODY, NOBODY);
    await mkdir(sb2.env.EXAI_CONFIG_DIR!, { recursive: true });
    await symlink(target, path.join(sb2.env.EXAI_CONFIG_DIR!, 'config.json'));
    expect((await runCli(sb2, ['config', 'list'])).code).toBe(9);
  });

  it('in a directory others can write (0777) is refused; with the sticky bit (1777) it is fine', async () => {
    const sb = await sandbox();
    const shared = path.join(sb.root, 'shared');
    await configAt(sb, path.join(shared, 'exai'));
    await chmod(shared, 0o777);
    const r = await runCli(sb, ['config', 'get', 'maxFileSize']);
    expect(r.code).toBe(9);
    expect(r.stderr).toContain(`is in directory ${shared}, writable by other users`);
    expect(r.stderr).toContain('mode 0777');
    expect(r.stderr).toContain(`chmod go-w ${shared}`);
    await chmod(shared, 0o1777);
    const ok = await runCli(sb, ['config', 'get', 'maxFileSize']);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toContain('(1000 bytes)');
  });

  it('a symlinked config.json whose both ends are ours is read', async () => {
    const sb = await sandbox();
    const target = path.join(sb.root, 'dotfiles', 'exai.json');
    await mkdir(path.dirname(target), { mode: 0o700 });
    await writeFile(target, JSON.stringify({ maxFileSize: '1KB' }), { mode: 0o600 });
    await mkdir(sb.env.EXAI_CONFIG_DIR!, { recursive: true });
    await symlink(target, path.join(sb.env.EXAI_CONFIG_DIR!, 'config.json'));
    const r = await runCli(sb, ['config', 'get', 'maxFileSize', '--json']);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ source: expect.stringContaining('file') as string });
  });
});

describe('config set never writes through a link', () => {
  it('refuses a symlinked config.json and leaves the link, its target and the target mode alone', async () => {
    for (const targetName of ['victim.json', 'bashrc']) {
      const sb = await sandbox();
      const target = path.join(sb.root, targetName);
      const before = targetName === 'bashrc' ? 'export PATH=/usr/bin\n' : '{"maxFileSize":"5MB"}';
      await writeFile(target, before, { mode: 0o644 });
      await mkdir(sb.env.EXAI_CONFIG_DIR!, { recursive: true });
      const link = path.join(sb.env.EXAI_CONFIG_DIR!, 'config.json');
      await symlink(target, link);
      for (const argv of [['config', 'set', 'maxFileSize', '1KB'], ['config', 'unset', 'maxFileSize']]) {
        const r = await runCli(sb, argv);
        // A target that is not JSON fails the load first; either way nothing is written.
        expect(r.code, r.stderr).toBe(9);
        expect(await readFile(target, 'utf8')).toBe(before);
        expect((await stat(target)).mode & 0o777).toBe(0o644);
        expect((await lstat(link)).isSymbolicLink()).toBe(true);
        expect(await readlink(link)).toBe(target);
      }
    }
  });

  it('replaces a loose file with a 0600 regular file and leaves no temp file behind', async () => {
    const sb = await sandbox();
    await mkdir(sb.env.EXAI_CONFIG_DIR!, { recursive: true, mode: 0o700 });
    const file = path.join(sb.env.EXAI_CONFIG_DIR!, 'config.json');
    await writeFile(file, '{"retentionDays": 7}', { mode: 0o600 });
    const r = await runCli(sb, ['config', 'set', 'maxFileSize', '2KB']);
    expect(r.code, r.stderr).toBe(0);
    expect((await stat(file)).mode & 0o7777).toBe(0o600);
    expect(JSON.parse(await readFile(file, 'utf8'))).toEqual({ retentionDays: 7, maxFileSize: '2KB' });
    expect(await readdir(sb.env.EXAI_CONFIG_DIR!)).toEqual(['config.json']);
  });
});

// A password in every spelling the WHATWG URL parser accepts (and two it does not).
const SECRET = 'S3cr3tPw';
const URLS = [
  `http://user:${SECRET}@h.example/v1`,
  `http:user:${SECRET}@h.example`,
  `http:\\\\user:${SECRET}@h.example/x`,
  `https:/user:${SECRET}@h.example`,
  `HTTP://user:${SECRET}@H.EXAMPLE`,
  `http://user:${SECRET} x@h.example`,
  `http://user:${SECRET}@x@h.example`,
  `http://user:${SECRET}%40x@h.example`,
  `http://user:${encodeURIComponent(SECRET)}@h.example`,
  `http://:${SECRET}@h.example`,
  `http://${SECRET}@h.example`,
  ` http://user:${SECRET}@h.example `,
  `http://user:${SECRET}@`,
  `http://user:${SECRET}#@h.example`,
];

describe('credentials in a base URL never reach any output', () => {
  const noSecret = (r: { stdout: string; stderr: string }, what: string) => {
    expect(r.stdout + r.stderr, what).not.toContain(SECRET.slice(0, 6));
    expect(r.stdout + r.stderr, what).not.toContain(SECRET.slice(2));
  };

  it('config set refuses each spelling as a usage error (exit 2) naming the key', async () => {
    const sb = await sandbox();
    for (const url of URLS) {
      for (const key of ['kimi.baseUrl', 'glm.baseUrl', 'supabaseUrl']) {
        const r = await runCli(sb, ['config', 'set', key, url]);
        expect(r.code, url).toBe(2);
        expect(r.stderr, url).toContain(`invalid ${key}`);
        noSecret(r, `config set ${key} ${url}`);
        noSecret(await runCli(sb, ['config', 'set', key, url, '--json']), `--json ${url}`);
      }
    }
  });

  it('from the environment or the config file: config list, get and any other command fail with exit 9', async () => {
    for (const url of URLS) {
      const sb = await sandbox();
      const env = { ...sb, env: { ...sb.env, EXAI_KIMI_BASE_URL: url } };
      for (const argv of [['config', 'list'], ['config', 'get', 'kimi.baseUrl'], ['validate', '.'], ['config', 'list', '--json']]) {
        const r = await runCli(env, argv);
        expect(r.code, url).toBe(9);
        expect(r.stderr).toContain('kimi.baseUrl');
        noSecret(r, `${url} ${argv.join(' ')}`);
      }
      await mkdir(sb.env.EXAI_CONFIG_DIR!, { recursive: true, mode: 0o700 });
      await writeFile(path.join(sb.env.EXAI_CONFIG_DIR!, 'config.json'), JSON.stringify({ glm: { baseUrl: url } }), { mode: 0o600 });
      const fromFile = await runCli(sb, ['config', 'list']);
      expect(fromFile.code).toBe(9);
      expect(fromFile.stderr).toContain('glm.baseUrl');
      noSecret(fromFile, `file ${url}`);
    }
  });
});

describe("the argument parser's own messages are redacted", () => {
  const KEY = 'plain-secret-value-Q7x9Zr2';
  it('an invalid argument, an unknown option and an unknown command that echo a key', async () => {
    const sb = await sandbox();
    sb.env.MOONSHOT_API_KEY = KEY;
    const cases = [
      ['ls', '--since', KEY],
      ['ls', '--limit', KEY],
      ['ls', `--${KEY}`],
      ['ls', `--token=${KEY}`],
      ['upload', '--concurrency', 'sk-abcdefghijklmnop0123'],
      [KEY],
    ];
    for (const argv of cases) {
      const r = await runCli(sb, argv);
      expect(r.code, argv.join(' ')).toBe(2);
      expect(r.stderr.length).toBeGreaterThan(0);
      expect(r.stdout + r.stderr, argv.join(' ')).not.toContain(KEY);
      expect(r.stdout + r.stderr).not.toContain('abcdefghijklmnop0123');
    }
  });
});

describe('config set under a directory others can write', () => {
  it('says so at once with exit 9 and the fix, rather than reporting success', async () => {
    const sb = await sandbox();
    const shared = path.join(sb.root, 'open');
    await mkdir(shared, { mode: 0o777 });
    await chmod(shared, 0o777);
    sb.env.EXAI_CONFIG_DIR = path.join(shared, 'exai');
    const r = await runCli(sb, ['config', 'set', 'maxFileSize', '1KB']);
    expect(r.code).toBe(9);
    expect(r.stderr).toContain(`chmod go-w ${shared}`);
  });
});

describe('a config.json that is not JSON', () => {
  it('is named, but none of its text is quoted (it may be a link to a key file)', async () => {
    const sb = await sandbox();
    await mkdir(sb.env.EXAI_CONFIG_DIR!, { recursive: true, mode: 0o700 });
    const target = path.join(sb.root, 'id_ed25519');
    await writeFile(target, '-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA\n', { mode: 0o600 });
    await symlink(target, path.join(sb.env.EXAI_CONFIG_DIR!, 'config.json'));
    const r = await runCli(sb, ['config', 'list']);
    expect(r.code).toBe(9);
    expect(r.stderr).toContain('is not valid JSON');
    expect(r.stderr).not.toContain('BEGIN');
    expect(r.stderr).not.toContain('b3BlbnNz');
  });
});

describe('config set and the config directory', () => {
  it('never changes the mode of a sticky shared directory or of a linked directory', async () => {
    const sb = await sandbox();
    const shared = path.join(sb.root, 'shared-tmp');
    await mkdir(shared);
    await chmod(shared, 0o1777);
    sb.env.EXAI_CONFIG_DIR = shared;
    expect((await runCli(sb, ['config', 'set', 'maxFileSize', '1KB'])).code).toBe(0);
    expect((await stat(shared)).mode & 0o7777).toBe(0o1777);

    const sb2 = await sandbox();
    const real = path.join(sb2.root, 'real-config');
    await mkdir(real, { mode: 0o750 });
    await chmod(real, 0o750);
    sb2.env.EXAI_CONFIG_DIR = path.join(sb2.root, 'linked');
    await symlink(real, sb2.env.EXAI_CONFIG_DIR);
    expect((await runCli(sb2, ['config', 'set', 'maxFileSize', '1KB'])).code).toBe(0);
    expect((await stat(real)).mode & 0o777).toBe(0o750);
  });
});
