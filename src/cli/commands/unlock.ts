/** `exai unlock [key…] [--all]`: clear stale lockfiles by hand and reconcile interrupted uploads. */
import type { FileRecord } from '../../catalog/types.js';
import { EXIT, ExaiError } from '../../core/errors.js';
import type { LockEntry } from '../../core/lock/index.js';
import type { Context } from '../context.js';
import type { BaseOptions, CommandSpec } from '../spec.js';

export interface UnlockOptions extends BaseOptions {
  all?: boolean;
  yes?: boolean;
  dryRun?: boolean;
}

export const unlockSpec: CommandSpec<UnlockOptions> = {
  name: 'unlock',
  args: '[keys...]',
  summary: 'remove stale locks (and with --all, live ones too)',
  help: 'Remove lockfiles whose lease expired or whose process is gone on this host, and mark uploads interrupted by a crash as failed (their quota is released).\n\nThe gc lock is one of them: a gc-<16 hex> lockfile next to the catalog, or with SUPABASE_URL the lease row exai_gc_lock in the database (with the service key the operator\'s, else your own), removed once its lease ran out.\n\nGive keys to look at only those locks. --all also removes live locks: use it only when you know their holders are gone (it asks on a terminal and needs --yes otherwise).',
  examples: ['exai unlock', 'exai unlock --dry-run', 'exai unlock 3f2a9c0e1d2b4a5f --all --yes', 'exai unlock exai_gc_lock --all --yes'],
  options: [
    { flags: '--all', description: 'remove live locks too, not only stale ones' },
    { flags: '-y, --yes', description: 'do not ask before removing live locks' },
    { flags: '-n, --dry-run', description: 'show what would be removed; change nothing' },
  ],
  load: async () => ({ run: runUnlock }),
};

/** Remove stale (or all) locks, reconcile expired claims, report both. */
export async function runUnlock(opts: UnlockOptions, ctx: Context): Promise<number> {
  const { listLocks, removeStaleLocks } = await import('../../core/lock/index.js');
  const { validateLockKey } = await import('../../core/lock/file.js');
  const { lockDirOf } = await import('../lock-dir.js');
  const dir = lockDirOf(ctx.config);
  const now = ctx.clock.now();
  const keys = opts.args.length > 0 ? opts.args : undefined;
  keys?.forEach(validateLockKey);
  const judge = { leaseMs: ctx.config.leaseMs };
  const { findGcLocks, removeGcLocks } = await import('../../core/ops/gc-unlock.js');
  const chosen = (e: LockEntry) => keys === undefined || keys.includes(e.key);
  const gcLocks = (await findGcLocks(ctx, now)).filter(chosen);
  const found = [...(await listLocks(dir, now, judge)).filter(chosen), ...gcLocks];
  const wanted = found.filter((e) => e.stale || opts.all === true);
  const live = wanted.filter((e) => !e.stale);
  if (live.length > 0 && !opts.dryRun && !opts.yes && !(await confirmForce(ctx, live))) {
    ctx.output.info('nothing removed');
    return EXIT.failure;
  }
  const force = opts.all === true;
  const gcWanted = wanted.filter((e) => gcLocks.includes(e));
  const removed = opts.dryRun ? wanted : [...(await removeStaleLocks(dir, { keys, force, now, ...judge })), ...(await removeGcLocks(ctx, gcWanted, { force, now }))];
  const removedKeys = new Set(removed.map((e) => e.key));
  const kept = found.filter((e) => !removedKeys.has(e.key));
  const reconciled = await reconcile(ctx, now, opts.dryRun === true);
  const missing = (keys ?? []).filter((k) => !found.some((e) => e.key === k));
  if (ctx.output.json) {
    ctx.output.jsonDocument({
      dry_run: opts.dryRun === true,
      removed: removed.map((e) => lockJson(e, now)),
      kept: kept.map((e) => lockJson(e, now)),
      not_found: missing,
      reconciled: reconciled.map((r) => ({ id: r.id, provider: r.provider, sha256: r.sha256, name: r.originalName, size: r.sizeBytes })),
    });
  } else report(ctx, { removed, kept, missing, reconciled, dryRun: opts.dryRun === true, now });
  return EXIT.ok;
}

async function confirmForce(ctx: Context, live: LockEntry[]): Promise<boolean> {
  const noun = live.length === 1 ? 'lock' : 'locks';
  if (!ctx.output.streams.stdinIsTTY || !ctx.output.streams.stderrIsTTY) {
    throw new ExaiError('CONFIRMATION_REQUIRED', `refusing to remove ${live.length} live ${noun} without confirmation`, {
      hint: 'pass --yes with --all if you are sure their holders are gone (or --dry-run to see them)',
    });
  }
  for (const e of live) ctx.output.info(`  ${describeLock(e, ctx.clock.now())}`);
  return ctx.confirm(`Remove ${live.length} live ${noun}? Their holders may still be uploading.`);
}

// Dry run: the same rows reconcileExpired would change, read without changing them. Reads
// show an expired claim as failed already; only one not yet reconciled still has its lease.
// gc's catalog: with the service key the operator's (every user's claims, no session needed).
async function reconcile(ctx: Context, now: number, dryRun: boolean): Promise<FileRecord[]> {
  const { gcBackend } = await import('../../core/ops/gc.js');
  const { catalog } = await gcBackend(ctx);
  if (!dryRun) return catalog.reconcileExpired(now);
  const failed = await catalog.list({ status: 'failed' });
  const uploading = await catalog.list({ status: 'uploading' });
  return [...failed.filter((r) => r.leaseExpiresAt !== null), ...uploading.filter((r) => r.leaseExpiresAt === null || r.leaseExpiresAt <= now)];
}

function ageOf(entry: LockEntry, now: number): number | null {
  const started = entry.owner ? Date.parse(entry.owner.started) : Number.NaN;
  return Number.isFinite(started) ? Math.max(0, now - started) : null;
}

function lockJson(entry: LockEntry, now: number): Record<string, unknown> {
  const o = entry.owner;
  return {
    key: entry.key,
    stale: entry.stale,
    reason: entry.reason,
    pid: o?.pid ?? null,
    hostname: o?.hostname ?? null,
    user: o?.user ?? null,
    command: o?.command ?? null,
    started: o?.started ?? null,
    age_ms: ageOf(entry, now),
  };
}

/** "3f2a9c…  pid 123 on build-7 (`exai upload`), 5m old: process 123 is gone" */
function describeLock(entry: LockEntry, now: number): string {
  const o = entry.owner;
  const age = ageOf(entry, now);
  const who = o ? `pid ${o.pid} on ${o.hostname} (\`${o.command}\`)` : 'unreadable lockfile';
  const old = age === null ? '' : `, ${formatAge(age)} old`;
  return `${entry.key.slice(0, 16)}  ${who}${old}: ${entry.reason}`;
}

function formatAge(ms: number): string {
  const s = Math.round(ms / 1000);
  if (s < 120) return `${s}s`;
  if (s < 7200) return `${Math.round(s / 60)}m`;
  return s < 172_800 ? `${Math.round(s / 3600)}h` : `${Math.round(s / 86_400)}d`;
}

interface Report {
  removed: LockEntry[];
  kept: LockEntry[];
  missing: string[];
  reconciled: FileRecord[];
  dryRun: boolean;
  now: number;
}

function report(ctx: Context, r: Report): void {
  const verb = r.dryRun ? 'would remove' : 'removed';
  // A dry run's list is its data; a done removal is a success line (dropped by -q).
  const print = (text: string) => (r.dryRun ? ctx.output.line(text) : ctx.output.success(text));
  for (const e of r.removed) print(`${verb} ${describeLock(e, r.now)}`);
  for (const e of r.kept) ctx.output.info(`kept ${describeLock(e, r.now)}${r.dryRun ? '' : ' (use --all to remove it)'}`);
  for (const k of r.missing) ctx.output.warn(`no lock for ${k}`);
  const rows = r.reconciled.map((row) => `${row.originalName} (${row.sha256.slice(0, 12)}, ${row.provider})`);
  for (const row of rows) print(`${r.dryRun ? 'would mark' : 'marked'} interrupted upload failed: ${row}`);
  const locks = r.removed.length === 1 ? 'lock' : 'locks';
  ctx.output.info(`${r.removed.length} ${locks} ${verb}, ${r.reconciled.length} interrupted uploads ${r.dryRun ? 'to reconcile' : 'reconciled'}`);
}
