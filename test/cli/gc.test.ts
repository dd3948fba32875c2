import { createHash } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { acquireLock } from '../../src/core/lock/index.js';
import { readRows, runCli, seed } from './catalog-cli.js';
import { DAY, lockFiles, makeGcWorld, putRemote, seedActive, seedFailed, writeStaleLock, writesTo, type GcWorld } from './gc-helpers.js';

let w: GcWorld;
beforeEach(async () => {
  w = await makeGcWorld();
});
afterEach(async () => {
  await w.close();
});

interface GcDoc {
  delete: Array<{ id: string | null; provider: string; file_id: string | null; reason: string; age_days: number; size: number }>;
  keep_count: number;
  bytes_freed: number;
  orphans: Array<{ kind: string; file_id: string | null; id: string | null }>;
  errors: Array<{ error: { name: string } }>;
}
const gcJson = async (...args: string[]) => {
  const r = await runCli(w.sb, ['gc', '--json', ...args]);
  return { ...r, doc: r.stdout ? (JSON.parse(r.stdout) as GcDoc) : undefined };
};
const statusOf = async (id: string) => (await readRows(w.sb)).find((r) => r.id === id);

describe('exai gc over a catalog of mixed ages and states', () => {
  it('deletes what is past retention, purges old failed rows, keeps the rest', async () => {
    const old = await seedActive(w, 'cold', 40 * DAY);
    const young = await seedActive(w, 'cyoung', 2 * DAY);
    const oldFailed = await seedFailed(w.sb, 45 * DAY);
    const youngFailed = await seedFailed(w.sb, 1 * DAY);
    // Started 50 days ago and still renewing its lease: a live upload.
    const live = await seed(w.sb, { createdAt: Date.now() - 50 * DAY, leaseMs: 51 * DAY });
    const r = await gcJson('--yes');
    expect(r.code).toBe(0);
    expect(Object.keys(r.doc!).sort()).toEqual(['bytes_freed', 'delete', 'errors', 'keep_count', 'orphans']);
    expect(r.doc!.delete.map((d) => d.id).sort()).toEqual([old.id, oldFailed.id].sort());
    expect(r.doc!.delete.find((d) => d.id === old.id)).toMatchObject({ provider: 'kimi', file_id: 'cold', reason: 'retention', size: 100 });
    expect(r.doc!.delete.find((d) => d.id === old.id)!.age_days).toBeGreaterThanOrEqual(40);
    expect(r.doc!.keep_count).toBe(3);
    expect(w.kimi.files.has('cold')).toBe(false);
    expect(w.kimi.files.has('cyoung')).toBe(true);
    expect(await statusOf(old.id)).toMatchObject({ status: 'deleted', deletionReason: 'retention' });
    expect(await statusOf(oldFailed.id)).toBeUndefined();
    expect((await statusOf(youngFailed.id))?.status).toBe('failed');
    expect((await statusOf(young.id))?.status).toBe('active');
    // Live upload, although its row is old: untouched.
    expect((await statusOf(live.id))?.status).toBe('uploading');
  });

  it('--older-than narrows or widens retention; --provider and --status failed narrow it', async () => {
    const mid = await seedActive(w, 'cmid', 10 * DAY);
    const oldFailed = await seedFailed(w.sb, 60 * DAY);
    const onlyFailed = await gcJson('--status', 'failed', '--older-than', '7d', '--yes');
    expect(onlyFailed.doc!.delete.map((d) => d.id)).toEqual([oldFailed.id]);
    expect((await statusOf(mid.id))?.status).toBe('active');
    const glm = await gcJson('--provider', 'glm', '--older-than', '7d', '--yes');
    expect(glm.doc!.delete).toEqual([]);
    const week = await gcJson('--older-than', '7d', '--yes');
    expect(week.doc!.delete.map((d) => d.id)).toEqual([mid.id]);
  });

  it('refuses a zero policy unless --older-than says so, and a negative one always', async () => {
    await seedActive(w, 'cnew', 60_000);
    const negative = await runCli(w.sb, ['gc', '--older-than', '-1d', '--yes']);
    expect(negative.code).toBe(2);
    const zero = await gcJson('--older-than', '0', '--yes');
    expect(zero.code).toBe(0);
    expect(zero.doc!.delete.map((d) => d.file_id)).toEqual(['cnew']);
  });

  it('reconciles expired leases and removes stale lockfiles', async () => {
    const stuck = await seed(w.sb, { createdAt: Date.now() - 2 * DAY, leaseMs: 1 });
    await writeStaleLock(w.sb, 'f'.repeat(64));
    const r = await runCli(w.sb, ['gc', '--yes']);
    expect(r.code).toBe(0);
    expect((await statusOf(stuck.id))?.status).toBe('failed');
    expect(await lockFiles(w.sb)).not.toContain(`${'f'.repeat(64)}.lock`);
  });
});

describe('exai gc safety', () => {
  it('--dry-run changes nothing: catalog, locks and the provider see no change', async () => {
    await seedActive(w, 'cold', 40 * DAY);
    await seedFailed(w.sb, 45 * DAY);
    await seed(w.sb, { createdAt: Date.now() - 2 * DAY, leaseMs: 1 });
    putRemote(w.kimi, 'corphan', 3 * 3_600_000);
    await writeStaleLock(w.sb, 'e'.repeat(64));
    const rows = await readRows(w.sb);
    const locks = await lockFiles(w.sb);
    const files = [...w.kimi.files.keys()].sort();
    const r = await gcJson('--dry-run', '--orphans');
    expect(r.code).toBe(0);
    expect(r.doc!.delete).toHaveLength(3);
    expect(await readRows(w.sb)).toEqual(rows);
    expect(await lockFiles(w.sb)).toEqual(locks);
    expect([...w.kimi.files.keys()].sort()).toEqual(files);
    expect(writesTo(w.kimi)).toEqual([]);
    const text = await runCli(w.sb, ['gc', '--dry-run']);
    expect(text.stdout).toMatch(/would delete kimi cold \(notes\.txt, 100 B\) — past retention, 40(\.\d+)? days old/);
    expect(text.stderr).toContain('nothing changed');
  });

  it('never deletes a file whose content lock an upload holds, nor a live uploading row', async () => {
    const content = 'in flight content';
    const sha = createHash('sha256').update(content).digest('hex');
    const old = await seedActive(w, 'cbusy', 40 * DAY, { content });
    const lock = await acquireLock({ dir: w.sb.env.EXAI_STATE_DIR!, key: sha, timeoutMs: 1000, leaseMs: 60_000, owner: { command: 'upload' } });
    try {
      const r = await gcJson('--yes');
      expect(r.code).toBe(0);
      expect(r.doc!.delete).toEqual([]);
      expect(r.doc!.keep_count).toBe(1);
      expect((await statusOf(old.id))?.status).toBe('active');
      expect(writesTo(w.kimi)).toEqual([]);
    } finally {
      await lock.release();
    }
  });

  it('--max-delete: a plan over the cap deletes nothing and exits 2', async () => {
    for (const id of ['c1', 'c2', 'c3']) await seedActive(w, id, 40 * DAY);
    const over = await runCli(w.sb, ['gc', '--max-delete', '2', '--yes']);
    expect(over.code).toBe(2);
    expect(over.stderr).toContain('more than --max-delete 2');
    expect(writesTo(w.kimi)).toEqual([]);
    expect((await readRows(w.sb)).every((r) => r.status === 'active')).toBe(true);
    const fits = await runCli(w.sb, ['gc', '--max-delete', '3', '--yes']);
    expect(fits.code).toBe(0);
    expect(writesTo(w.kimi)).toHaveLength(3);
  });

  it('asks on a terminal and needs --yes otherwise', async () => {
    const old = await seedActive(w, 'cask', 40 * DAY);
    const refused = await runCli(w.sb, ['gc']);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('--yes');
    const no = await runCli(w.sb, ['gc'], { tty: true, overrides: { confirm: () => Promise.resolve(false) } });
    expect(no.code).toBe(1);
    expect((await statusOf(old.id))?.status).toBe('active');
    const yes = await runCli(w.sb, ['gc'], { tty: true, overrides: { confirm: () => Promise.resolve(true) } });
    expect(yes.code).toBe(0);
    expect((await statusOf(old.id))?.status).toBe('deleted');
  });
});

describe('exai gc orphans', () => {
  it('lists orphans both ways, acts only with --orphans, never on a provider file younger than 1 h', async () => {
    const missing = await seed(w.sb, { fileId: 'cvanished', createdAt: Date.now() - DAY });
    putRemote(w.kimi, 'cstray', 2 * 3_600_000, Date.now(), 'evil\u001b[31mname.txt');
    putRemote(w.kimi, 'cfresh', 10 * 60_000);
    // A hostile id from the listing: it must reach the provider as one encoded path segment.
    putRemote(w.kimi, '../../admin?x=1', 5 * 3_600_000);
    const listed = await gcJson('--yes');
    expect(listed.doc!.orphans.map((o) => [o.kind, o.file_id]).sort()).toEqual([['catalog-only', 'cvanished'], ['provider-only', '../../admin?x=1'], ['provider-only', 'cstray']]);
    expect(listed.doc!.delete).toEqual([]);
    expect(w.kimi.files.has('cstray')).toBe(true);
    const text = await runCli(w.sb, ['gc', '--dry-run']);
    expect(text.stdout).toContain('evil?[31mname.txt');
    expect(text.stdout).not.toContain('\u001b');
    const acted = await gcJson('--orphans', '--yes');
    expect(acted.code).toBe(0);
    expect(acted.doc!.delete.map((d) => d.file_id).sort()).toEqual(['../../admin?x=1', 'cstray', 'cvanished']);
    expect(writesTo(w.kimi).map((r) => r.path)).toContain('/v1/files/..%2F..%2Fadmin%3Fx%3D1');
    expect(w.kimi.files.has('cstray')).toBe(false);
    expect(w.kimi.files.has('cfresh')).toBe(true);
    expect(await statusOf(missing.id)).toMatchObject({ status: 'deleted', deletionReason: 'orphan' });
  });

  it('a provider whose list fails is reported, and none of its files is called an orphan', async () => {
    await seedActive(w, 'cfine', DAY);
    w.kimi.setFailAll({ kind: 'reply', status: 401, body: { error: { message: 'bad key', type: 'invalid_authentication_error' } } });
    const r = await gcJson('--dry-run', '--orphans');
    expect(r.code).toBe(1);
    expect(r.doc!.orphans).toEqual([]);
    expect(r.doc!.errors).toHaveLength(1);
  });
});

describe('exai gc progress', () => {
  it('shows a spinner while planning and a count while deleting on a terminal only', async () => {
    await seedActive(w, 'cp1', 40 * DAY);
    await seedActive(w, 'cp2', 40 * DAY);
    const plain = await runCli(w.sb, ['gc', '--dry-run']);
    expect(plain.stderr).not.toContain('planning gc');
    const tty = await runCli(w.sb, ['gc', '--yes'], { tty: true });
    expect(tty.code).toBe(0);
    expect(tty.stderr).toContain('planning gc');
    expect(tty.stderr).toMatch(/deleting 1\/2 files/);
  });
});

describe('exai gc --if-due', () => {
  it('runs when never run, skips within gcInterval, runs again after it', async () => {
    const t0 = Date.now();
    const at = (ms: number) => ({ clock: { now: () => ms, sleep: async () => undefined } });
    expect((await runCli(w.sb, ['gc', '--if-due', '--yes'], at(t0))).code).toBe(0);
    const seen = w.kimi.requests.length;
    expect(seen).toBeGreaterThan(0);
    const skipped = await runCli(w.sb, ['gc', '--if-due', '--yes'], at(t0 + 3_600_000));
    expect(skipped.code).toBe(0);
    expect(skipped.stderr).toContain(`gc is not due: it last finished ${new Date(t0).toISOString()} and gcInterval is 1d; next due ${new Date(t0 + DAY).toISOString()}`);
    const json = await runCli(w.sb, ['gc', '--if-due', '--yes', '--json'], at(t0 + 3_600_000));
    expect(json.code).toBe(0);
    expect(JSON.parse(json.stdout)).toEqual({
      skipped: true,
      reason: 'not_due',
      message: expect.stringContaining('next due'),
      last_run_at: new Date(t0).toISOString(),
      next_due_at: new Date(t0 + DAY).toISOString(),
      gc_interval_seconds: 86_400,
    });
    expect(w.kimi.requests.length).toBe(seen);
    expect((await runCli(w.sb, ['gc', '--if-due', '--yes'], at(t0 + 25 * 3_600_000))).code).toBe(0);
    expect(w.kimi.requests.length).toBeGreaterThan(seen);
  });

  it('a dry run does not count as a run', async () => {
    await runCli(w.sb, ['gc', '--dry-run']);
    const seen = w.kimi.requests.length;
    await runCli(w.sb, ['gc', '--if-due', '--yes']);
    expect(w.kimi.requests.length).toBeGreaterThan(seen);
  });
});
