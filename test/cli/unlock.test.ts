import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, rm, utimes, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { lockDirOf } from '../../src/cli/lock-dir.js';
import { acquireLock } from '../../src/core/lock/index.js';
import { makeSandbox, readRows, runCli, seed, type Sandbox } from './catalog-cli.js';

const KEY_EXPIRED = 'a'.repeat(64);
const KEY_DEAD = 'b'.repeat(64);
const KEY_LIVE = 'c'.repeat(64);

interface LockJson {
  key: string;
  stale: boolean;
  reason: string;
  pid: number | null;
  hostname: string | null;
  command: string | null;
  age_ms: number | null;
}

interface UnlockJson {
  dry_run: boolean;
  removed: LockJson[];
  kept: LockJson[];
  not_found: string[];
  reconciled: Array<{ id: string; sha256: string }>;
}

/** A pid that certainly belonged to a process that has exited. */
function deadPid(): number {
  return spawnSync(process.execPath, ['-e', '']).pid ?? 999_999;
}

function lockFile(sb: Sandbox, key: string): string {
  return path.join(sb.env.EXAI_STATE_DIR!, 'locks', `${key}.lock`);
}

async function writeLock(sb: Sandbox, key: string, owner: { pid: number; hostname: string; lease: number }): Promise<void> {
  await mkdir(path.dirname(lockFile(sb, key)), { recursive: true });
  const started = new Date(Date.now() - 5 * 60_000).toISOString();
  const body = { pid: owner.pid, hostname: owner.hostname, user: 'u', command: 'exai upload', started, lease_expires_at: owner.lease, nonce: 'n' };
  await writeFile(lockFile(sb, key), JSON.stringify(body));
}

/** One lock whose lease ran out on another host, one whose process is gone here, one live. */
async function seedLocks(sb: Sandbox): Promise<void> {
  await writeLock(sb, KEY_EXPIRED, { pid: 4242, hostname: 'other-host', lease: Date.now() - 60_000 });
  await writeLock(sb, KEY_DEAD, { pid: deadPid(), hostname: os.hostname(), lease: Date.now() + 600_000 });
  await writeLock(sb, KEY_LIVE, { pid: process.pid, hostname: os.hostname(), lease: Date.now() + 600_000 });
}

describe('exai unlock', () => {
  it('removes only stale locks, keeps live ones, and reconciles expired upload claims', async () => {
    const sb = await makeSandbox();
    await seedLocks(sb);
    const crashed = await seed(sb, { leaseMs: 1_000, createdAt: Date.now() - 60_000, size: 5000 });
    const running = await seed(sb, { leaseMs: 600_000, size: 7000 });
    const r = await runCli(sb, ['unlock', '--json']);
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout) as UnlockJson;
    expect(out.removed.map((l) => l.key).sort()).toEqual([KEY_EXPIRED, KEY_DEAD]);
    expect(out.removed.find((l) => l.key === KEY_EXPIRED)).toMatchObject({ pid: 4242, hostname: 'other-host', command: 'exai upload', stale: true });
    expect(out.removed.find((l) => l.key === KEY_EXPIRED)?.age_ms).toBeGreaterThanOrEqual(5 * 60_000 - 1000);
    expect(out.kept.map((l) => l.key)).toEqual([KEY_LIVE]);
    expect(out.reconciled.map((x) => x.id)).toEqual([crashed.id]);
    expect(existsSync(lockFile(sb, KEY_EXPIRED))).toBe(false);
    expect(existsSync(lockFile(sb, KEY_DEAD))).toBe(false);
    expect(existsSync(lockFile(sb, KEY_LIVE))).toBe(true);
    const rows = await readRows(sb);
    expect(rows.find((x) => x.id === crashed.id)?.status).toBe('failed');
    expect(rows.find((x) => x.id === running.id)?.status).toBe('uploading');
    const quota = JSON.parse((await runCli(sb, ['quota', '--json'])).stdout) as { used_bytes: number };
    expect(quota.used_bytes).toBe(7000);
  });

  it('says what it removed, with owner and age, in human form', async () => {
    const sb = await makeSandbox();
    await seedLocks(sb);
    const r = await runCli(sb, ['unlock']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/removed a{16}\s+pid 4242 on other-host \(`exai upload`\), 5m old: lease expired/);
    expect(r.stdout).toMatch(/removed b{16}\s+pid \d+ on .*: process \d+ is gone/);
    expect(r.stderr).toMatch(/kept c{16}.*held by live process/);
    expect(r.stderr).toContain('2 locks removed, 0 interrupted uploads reconciled');
  });

  it('--dry-run removes nothing and changes no row', async () => {
    const sb = await makeSandbox();
    await seedLocks(sb);
    const crashed = await seed(sb, { leaseMs: 1_000, createdAt: Date.now() - 60_000 });
    const out = JSON.parse((await runCli(sb, ['unlock', '--dry-run', '--json'])).stdout) as UnlockJson;
    expect(out.dry_run).toBe(true);
    expect(out.removed).toHaveLength(2);
    expect(out.reconciled.map((x) => x.id)).toEqual([crashed.id]);
    for (const key of [KEY_EXPIRED, KEY_DEAD, KEY_LIVE]) expect(existsSync(lockFile(sb, key))).toBe(true);
    // Reads show the expired claim as failed already, but the row itself was not reconciled:
    // it still carries its (past) lease, which reconciliation clears.
    expect((await readRows(sb))[0]).toMatchObject({ status: 'failed', leaseExpiresAt: expect.any(Number) as number });
  });

  it('--all removes live locks too, but only with --yes when not on a terminal', async () => {
    const sb = await makeSandbox();
    await seedLocks(sb);
    const refused = await runCli(sb, ['unlock', '--all']);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('--yes');
    expect(existsSync(lockFile(sb, KEY_LIVE))).toBe(true);
    const forced = JSON.parse((await runCli(sb, ['unlock', '--all', '--yes', '--json'])).stdout) as UnlockJson;
    expect(forced.removed.map((l) => l.key).sort()).toEqual([KEY_EXPIRED, KEY_DEAD, KEY_LIVE]);
    expect(existsSync(lockFile(sb, KEY_LIVE))).toBe(false);
  });

  it('sees the locks the upload pipeline takes (lockDirOf), and can target one key', async () => {
    const sb = await makeSandbox();
    const dir = lockDirOf({ dirs: { config: '', data: '', state: sb.env.EXAI_STATE_DIR! } });
    const handle = await acquireLock({ dir, key: KEY_LIVE, timeoutMs: 1000, leaseMs: 60_000, owner: { command: 'exai upload' } });
    try {
      const listed = JSON.parse((await runCli(sb, ['unlock', KEY_LIVE, 'd'.repeat(64), '--dry-run', '--json'])).stdout) as UnlockJson;
      expect(listed.kept.map((l) => l.key)).toEqual([KEY_LIVE]);
      expect(listed.not_found).toEqual(['d'.repeat(64)]);
      const bad = await runCli(sb, ['unlock', '../etc']);
      expect(bad.code).toBe(2);
    } finally {
      await handle.release();
    }
  });

  it.each([['an empty', ''], ['a garbage', '\u0000\u0000 not json']])('unlock <key> removes %s lockfile left by a crash', async (_name, content) => {
    const sb = await makeSandbox();
    try {
      await mkdir(path.dirname(lockFile(sb, KEY_DEAD)), { recursive: true });
      await writeFile(lockFile(sb, KEY_DEAD), content);
      const old = new Date(Date.now() - 5_000);
      await utimes(lockFile(sb, KEY_DEAD), old, old);
      const out = JSON.parse((await runCli(sb, ['unlock', KEY_DEAD, '--json'])).stdout) as UnlockJson;
      expect(out.removed.map((l) => l.key)).toEqual([KEY_DEAD]);
      expect(existsSync(lockFile(sb, KEY_DEAD))).toBe(false);
    } finally {
      await rm(sb.root, { recursive: true, force: true });
    }
  });
});
