/**
 * The embedded gc lock (a lockfile next to the catalog) from `exai unlock` and `exai doctor`:
 * unlock removes a dead holder's, keeps a live one unless --all (asking, or --yes), shows it
 * on --dry-run; doctor says who holds it, since when, and whether it is stale.
 */
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { localGcLock } from '../../src/core/ops/gc-lock.js';
import { makeSandbox, runCli, type Sandbox } from './catalog-cli.js';

let sb: Sandbox;
let file: string;
let key: string;
beforeEach(async () => {
  sb = await makeSandbox();
  const lock = await localGcLock(sb.env.EXAI_DATA_DIR!);
  key = lock.key;
  file = path.join(lock.dir, 'locks', `${key}.lock`);
});
afterEach(async () => {
  await fs.rm(sb.root, { recursive: true, force: true });
});

/** A gc lockfile held by `pid` on this host (alive: this test; dead: beyond pid_max), taken 5 minutes ago. */
async function writeGcLock(pid: number, hostname = os.hostname()): Promise<string> {
  await fs.mkdir(path.dirname(file), { recursive: true });
  const started = new Date(Date.now() - 5 * 60_000).toISOString();
  await fs.writeFile(file, JSON.stringify({ pid, hostname, user: 'ops', command: 'gc', started, lease_expires_at: Date.now() + 600_000, nonce: 'n', generation: 3 }), { mode: 0o600 });
  return started;
}
const exists = () => fs.stat(file).then(() => true, () => false);
const gcCheck = async () => {
  const r = await runCli(sb, ['doctor', '--json']);
  return (JSON.parse(r.stdout) as { checks: Array<{ name: string; status: string; message: string; hint?: string }> }).checks.find((c) => c.name === 'gc lock');
};

describe('the gc lock in unlock and doctor (embedded)', () => {
  it('a dead holder: doctor warns it is stale with the fix; unlock --dry-run shows it, unlock removes it', async () => {
    expect(await gcCheck()).toMatchObject({ status: 'ok', message: 'not held (next to the catalog)' });
    const started = await writeGcLock(99_999_999);
    const check = await gcCheck();
    expect(check).toMatchObject({ status: 'warn', message: expect.stringContaining(`stale (next to the catalog): held by pid 99999999 on ${os.hostname()} (user ops) since ${started}`) });
    expect(check?.message).toContain('process 99999999 is gone');
    expect(check?.hint).toContain(`exai unlock ${key}`);
    const dry = await runCli(sb, ['unlock', '--dry-run', '--json']);
    expect(dry.code).toBe(0);
    expect(JSON.parse(dry.stdout)).toMatchObject({ dry_run: true, removed: [{ key, stale: true, command: 'gc', pid: 99_999_999 }], kept: [] });
    expect(await exists()).toBe(true);
    const r = await runCli(sb, ['unlock']);
    expect(r.code).toBe(0);
    expect(r.stdout + r.stderr).toContain(`removed ${key.slice(0, 16)}  pid 99999999 on ${os.hostname()} (\`gc\`)`);
    expect(await exists()).toBe(false);
    expect(await gcCheck()).toMatchObject({ status: 'ok' });
  });

  it('a live holder: doctor says a gc is running; unlock keeps it, --all refuses without --yes, --all --yes removes it', async () => {
    await writeGcLock(process.pid);
    expect(await gcCheck()).toMatchObject({ status: 'ok', message: expect.stringContaining(`held (next to the catalog) by pid ${process.pid}`) });
    const kept = await runCli(sb, ['unlock', key, '--json']);
    expect(JSON.parse(kept.stdout)).toMatchObject({ removed: [], kept: [{ key, stale: false }] });
    const refused = await runCli(sb, ['unlock', key, '--all']);
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toContain('refusing to remove 1 live lock without confirmation');
    expect(await exists()).toBe(true);
    const asked: string[] = [];
    const declined = await runCli(sb, ['unlock', key, '--all'], { tty: true, overrides: { confirm: (q) => (asked.push(q), Promise.resolve(false)) } });
    expect(declined.code).toBe(1);
    expect(asked).toHaveLength(1);
    expect(await exists()).toBe(true);
    const forced = await runCli(sb, ['unlock', key, '--all', '--yes', '--json']);
    expect(JSON.parse(forced.stdout)).toMatchObject({ removed: [{ key, stale: false }] });
    expect(await exists()).toBe(false);
  });

  it('hostile: a lockfile naming a host with terminal escapes is shown without them', async () => {
    await writeGcLock(4242, 'evil\u001b]0;pwned\u0007host');
    const r = await runCli(sb, ['doctor']);
    expect(r.stdout).toContain('gc lock');
    expect(r.stdout).not.toContain('\u001b');
    expect(r.stdout).not.toContain('\u0007');
  });
});
