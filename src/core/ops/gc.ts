/**
 * gc for every front end: whose rows it covers, the plan (pure, over rows and listings), and
 * applying it through the one deletion path. The CLI asks between the two; the library
 * deletes only when told to (`dryRun: false` and `yes: true`).
 */
import type { ProviderName } from '../config/types.js';
import type { GcCandidate, GcError, GcOrphan, GcOutcome, GcPlan, GcPolicy, GcSchedule } from '../lifecycle/index.js';
import type { Runtime } from '../runtime.js';
import type { Catalog } from '../../catalog/types.js';
import type { Archive } from '../archive.js';
import type { GcLockStore } from './gc-lock.js';
import type { GcLockAdmin } from './gc-unlock.js';
import { formatDuration } from '../units.js';

export interface GcOptions {
  /** Retention as a duration (ms); default config retentionDays. 0 or less needs saying so explicitly. */
  olderThanMs?: number | undefined;
  provider?: ProviderName | undefined;
  /** Only failed rows. */
  onlyFailed?: boolean | undefined;
  /** Act on orphans (always listed). */
  orphans?: boolean | undefined;
  /** Refuse (DELETE_LIMIT_EXCEEDED) when the plan deletes more than this. */
  maxDelete?: number | undefined;
}

/** A plan, the policy it was made under, and the quota used before it. */
export interface GcPlanned {
  plan: GcPlan;
  policy: GcPolicy;
  usedBytes: number;
}

/** `exai gc --json`: what goes (or went), what stays, what is freed, orphans and errors. */
export interface GcJson {
  delete: Array<Record<string, unknown>>;
  keep_count: number;
  bytes_freed: number;
  orphans: Array<Record<string, unknown>>;
  errors: Array<Record<string, unknown>>;
}

/**
 * Whose rows gc covers, and through what. Embedded: this user's, and it sees every row.
 * Shared (Supabase) with SUPABASE_SERVICE_ROLE_KEY: the operator catalog (exai_admin_*) sees
 * every user's rows. Shared with a user session: RLS shows that user's rows only, and other
 * users' files share the provider account, so no provider file is called an orphan.
 */
export interface GcBackend {
  catalog: Catalog;
  archive: Archive | undefined;
  userId: string | undefined;
  partialView: boolean;
  /** The shared catalog's gc lock (one per server-decided scope); undefined embedded (a lockfile then). */
  gcLock?: (GcLockStore & GcLockAdmin) | undefined;
}

const backends = new WeakMap<Runtime, Promise<GcBackend>>();

/** The catalog, archive and scope gc works with in `rt` (opened once per runtime). */
export function gcBackend(rt: Runtime): Promise<GcBackend> {
  let backend = backends.get(rt);
  if (backend === undefined) {
    backend = openGcBackend(rt);
    backends.set(rt, backend);
  }
  return backend;
}

async function openGcBackend(rt: Runtime): Promise<GcBackend> {
  if (!rt.shared) return { catalog: await rt.catalog(), archive: undefined, userId: rt.userId, partialView: false };
  if (rt.config.supabaseServiceRoleKey !== undefined && rt.config.supabaseServiceRoleKey !== '') {
    const { openOperatorClient } = await import('../../auth/operator.js');
    const { SupabaseAdminCatalog } = await import('../../catalog/supabase-admin.js');
    const { createOperatorArchive } = await import('../../catalog/supabase-archive.js');
    const { SupabaseGcLock } = await import('../../catalog/supabase-gc-lock.js');
    const client = openOperatorClient(rt.config);
    return { catalog: new SupabaseAdminCatalog(client), archive: createOperatorArchive(client), userId: undefined, partialView: false, gcLock: new SupabaseGcLock(client) };
  }
  const { SupabaseGcLock } = await import('../../catalog/supabase-gc-lock.js');
  const gcLock = new SupabaseGcLock((await rt.sharedAuth()).client);
  return { catalog: await rt.catalog(), archive: await rt.archive(), userId: rt.userId, partialView: true, gcLock };
}

/** Whether `--if-due` should run now: not while the last gc is more recent than gcInterval. */
export async function readGcSchedule(rt: Runtime): Promise<GcSchedule> {
  const { gcSchedule, readLastGcRun } = await import('../lifecycle/index.js');
  return gcSchedule(await readLastGcRun(rt.config.dirs.state), rt.clock.now(), rt.config.gcIntervalMs);
}

/** `exai gc --if-due --json` when gc was not due: skipped, why, and when it next runs. */
export function gcSkippedJson(schedule: GcSchedule): Record<string, unknown> {
  const iso = (ms: number | undefined) => (ms === undefined ? null : new Date(ms).toISOString());
  return {
    skipped: true,
    reason: 'not_due',
    message: `gc last finished ${iso(schedule.lastRunAt)}; next due ${iso(schedule.nextDueAt)} (gcInterval ${formatDuration(schedule.intervalMs)})`,
    last_run_at: iso(schedule.lastRunAt),
    next_due_at: iso(schedule.nextDueAt),
    gc_interval_seconds: Math.round(schedule.intervalMs / 1000),
  };
}

/** Plan gc and check --max-delete; changes nothing anywhere. */
export async function planGarbage(rt: Runtime, opts: GcOptions = {}): Promise<GcPlanned> {
  const lifecycle = await import('../lifecycle/index.js');
  const policy = lifecycle.resolveGcPolicy({
    olderThanMs: opts.olderThanMs,
    retentionDays: rt.config.retentionDays,
    provider: opts.provider,
    onlyFailed: opts.onlyFailed === true,
    orphans: opts.orphans === true,
  });
  const { catalog, userId, partialView } = await gcBackend(rt);
  const deps = { catalog, registry: await rt.providers(), userId, partialView, signal: rt.signal };
  const plan = lifecycle.planGc(await lifecycle.gatherGcInputs(deps, policy, rt.clock.now()));
  // The operator's view (no user id) totals every user's live bytes.
  const usedBytes = (await catalog.usage(userId ?? '')).usedBytes;
  return { plan, policy, usedBytes };
}

/** Apply a plan: deletions through the one deletion path, leases reconciled, stale locks removed. */
export async function applyGarbage(rt: Runtime, planned: GcPlanned, onProgress?: (done: number, total: number) => void): Promise<GcOutcome> {
  const { applyGcPlan } = await import('../lifecycle/index.js');
  const { catalog, archive, userId } = await gcBackend(rt);
  const deps = { config: rt.config, catalog, registry: await rt.providers(), archive, clock: rt.clock, userId, signal: rt.signal, metrics: rt.metrics };
  return applyGcPlan(planned.plan, planned.policy, { ...deps, onProgress });
}

/** The --json document of a plan, or of what a run did. */
export function gcToJson(plan: GcPlan, outcome?: GcOutcome): GcJson {
  const deleted = outcome?.deleted ?? plan.delete;
  return {
    delete: deleted.map(candidateJson),
    keep_count: plan.keepCount + (outcome?.skipped.length ?? 0),
    bytes_freed: outcome?.bytesFreed ?? plan.bytesFreed,
    orphans: plan.orphans.map(orphanJson),
    errors: (outcome?.errors ?? plan.errors).map(errorJson),
  };
}

/** One deletion candidate's JSON row. */
export function candidateJson(c: GcCandidate): Record<string, unknown> {
  return { id: c.record?.id ?? null, provider: c.provider, file_id: c.fileId, reason: c.reason, age_days: gcDays(c.ageMs), size: c.size };
}

/** One orphan's JSON row. */
export function orphanJson(o: GcOrphan): Record<string, unknown> {
  return { id: o.record?.id ?? null, provider: o.provider, file_id: o.fileId, reason: 'orphan', kind: o.kind, name: o.name, age_days: gcDays(o.ageMs), size: o.size };
}

/** One gc error's JSON row. */
export function errorJson(e: GcError): Record<string, unknown> {
  return { id: e.id, provider: e.provider, file_id: e.fileId, error: e.error.toJSON() };
}

/** Days, to two decimals. */
export function gcDays(ms: number): number {
  return Math.round((ms / 86_400_000) * 100) / 100;
}
