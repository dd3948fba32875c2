/** One gc at a time per catalog: a second waits or (--no-wait) names the holder; dry runs need no lock; a dead holder is taken over. */
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { acquireLock, type LockHandle } from '../../src/core/lock/index.js';
import { localGcLock } from '../../src/core/ops/gc-lock.js';
import { readRows, runCli } from './catalog-cli.js';
import { DAY, lockFiles, makeGcWorld, seedActive, writesTo, type GcWorld } from './gc-helpers.js';

let w: GcWorld;
let key: string;
let lockDir: string;
beforeEach(async () => {
  w = await makeGcWorld();
  ({ key, dir: lockDir } = await localGcLock(w.sb.env.EXAI_DATA_DIR!));
});
afterEach(async () => {
  await w.close();
});

/** Hold the gc lock as another gc process would. */
const holdGcLock = (): Promise<LockHandle> =>
  acquireLock({ dir: lockDir, key, timeoutMs: 1000, leaseMs: 60_000, owner: { command: 'gc' } });

describe('the gc lock', () => {
  it('--no-wait: exits 7 at once naming the holder (pid, host, since) and the unlock command; nothing deleted', async () => {
    const old = await seedActive(w, 'cold', 40 * DAY);
    const held = await holdGcLock();
    try {
      const r = await runCli(w.sb, ['gc', '--no-wait', '--yes']);
      expect(r.code).toBe(7);
      expect(r.stderr).toContain(`another gc is running on this catalog: pid ${process.pid} on host ${os.hostname()}`);
      expect(r.stderr).toContain(`since ${held.owner.started}`);
      expect(r.stderr).toContain('not waiting (--no-wait)');
      expect(r.stderr).toContain(`exai unlock ${key} --all`);
      const json = await runCli(w.sb, ['gc', '--no-wait', '--yes', '--json']);
      expect(json.code).toBe(7);
      expect(json.stdout).toBe('');
      expect(JSON.parse(json.stderr)).toMatchObject({ error: { name: 'LOCK_TIMEOUT', message: expect.stringContaining(`pid ${process.pid}`), hint: expect.stringContaining(key) } });
      expect(writesTo(w.kimi)).toEqual([]);
      expect((await readRows(w.sb)).find((row) => row.id === old.id)?.status).toBe('active');
      // A dry run needs no lock: it plans while the other gc runs.
      const dry = await runCli(w.sb, ['gc', '--dry-run', '--no-wait', '--json']);
      expect(dry.code).toBe(0);
      expect((JSON.parse(dry.stdout) as { delete: unknown[] }).delete).toHaveLength(1);
    } finally {
      await held.release();
    }
  });

  it('without --no-wait: waits (saying for whom) until the holder finishes, then runs', async () => {
    await seedActive(w, 'cold', 40 * DAY);
    const held = await holdGcLock();
    let waits = 0;
    // The holder finishes once the second gc has been seen waiting a few rounds.
    const clock = {
      now: () => Date.now(),
      sleep: async () => {
        if (++waits === 3) await held.release();
      },
    };
    const r = await runCli(w.sb, ['gc', '--yes'], { clock });
    expect(waits).toBeGreaterThanOrEqual(3);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain(`waiting for another gc to finish (pid ${process.pid} on ${os.hostname()}`);
    expect(writesTo(w.kimi).map((q) => q.method)).toEqual(['DELETE']);
    expect((await lockFiles(w.sb, lockDir)).filter((f) => f.endsWith('.lock'))).toEqual([]);
  });

  it('gives up after lockTimeout with exit 7 naming the holder', async () => {
    const held = await holdGcLock();
    try {
      const r = await runCli({ ...w.sb, env: { ...w.sb.env, EXAI_LOCK_TIMEOUT: '1' } }, ['gc', '--yes']);
      expect(r.code).toBe(7);
      expect(r.stderr).toContain('still held after waiting 1s (lockTimeout)');
    } finally {
      await held.release();
    }
  });

  it('a holder killed -9 on this host is taken over as a stale lock', async () => {
    await seedActive(w, 'cold', 40 * DAY);
    const dir = path.join(lockDir, 'locks');
    await fs.mkdir(dir, { recursive: true });
    const dead = { pid: 99_999_999, hostname: os.hostname(), user: 'x', command: 'gc', started: new Date().toISOString(), lease_expires_at: Date.now() + 60_000, nonce: 'n', generation: 5 };
    await fs.writeFile(path.join(dir, `${key}.lock`), JSON.stringify(dead), { mode: 0o600 });
    const r = await runCli(w.sb, ['gc', '--no-wait', '--yes']);
    expect(r.code).toBe(0);
    expect(writesTo(w.kimi)).toHaveLength(1);
    expect((await lockFiles(w.sb, lockDir)).filter((f) => f.endsWith('.lock'))).toEqual([]);
  });

  it('two setups sharing one catalog through different state dirs (one via a symlinked data dir) exclude each other', async () => {
    await seedActive(w, 'cold', 40 * DAY);
    const link = path.join(w.sb.root, 'data-link');
    await fs.symlink(w.sb.env.EXAI_DATA_DIR!, link);
    const other = { ...w.sb, env: { ...w.sb.env, EXAI_STATE_DIR: path.join(w.sb.root, 'state-2'), EXAI_DATA_DIR: link } };
    // The lockfile sits next to the catalog, not in either state dir.
    expect(lockDir).toBe(await fs.realpath(w.sb.env.EXAI_DATA_DIR!));
    const held = await holdGcLock();
    try {
      const r = await runCli(other, ['gc', '--no-wait', '--yes']);
      expect(r.code).toBe(7);
      expect(r.stderr).toContain(`another gc is running on this catalog: pid ${process.pid}`);
      expect(writesTo(w.kimi)).toEqual([]);
    } finally {
      await held.release();
    }
    const r = await runCli(other, ['gc', '--no-wait', '--yes']);
    expect(r.code).toBe(0);
    expect(writesTo(w.kimi)).toHaveLength(1);
    expect(await lockFiles(w.sb)).toEqual([]);
  });

  it('two gc runs at once: one deletes, the other waits and finds nothing left; each file deleted once', async () => {
    for (const id of ['c1', 'c2', 'c3']) await seedActive(w, id, 40 * DAY);
    const clock = { now: () => Date.now(), sleep: (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, Math.min(ms, 20))) };
    const [a, b] = await Promise.all([runCli(w.sb, ['gc', '--yes', '--json'], { clock }), runCli(w.sb, ['gc', '--yes', '--json'], { clock })]);
    expect([a.code, b.code]).toEqual([0, 0]);
    const deleted = [a, b].map((r) => (JSON.parse(r.stdout) as { delete: unknown[] }).delete.length).sort();
    expect(deleted).toEqual([0, 3]);
    expect(writesTo(w.kimi)).toHaveLength(3);
  });
});
