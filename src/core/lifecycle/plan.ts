/**
 * gc's plan (DESIGN.md §5): a pure function over catalog rows, provider listings, the time and
 * the policy. Nothing here reads a clock, a file or the network, so `--dry-run` and the real run
 * decide the same way, and every rule is a unit test away.
 */
import type { RowSummary } from '../../catalog/types.js';
import type { RemoteFile } from '../../providers/types.js';
import type { ProviderName } from '../config/types.js';
import type { GcAction, GcCandidate, GcInputs, GcPlan, ProviderListing } from './types.js';

/** Decide what one gc run deletes, keeps and reports. */
export function planGc(input: GcInputs): GcPlan {
  const { now, policy } = input;
  const plan: GcPlan = { now, cutoff: now - policy.olderThanMs, delete: [], keepCount: 0, bytesFreed: 0, quotaFreed: 0, orphans: [], expired: [], errors: [] };
  const listed = indexListings(input.listings, policy.provider, plan);
  for (const row of input.rows) {
    if (policy.provider !== undefined && row.provider !== policy.provider) continue;
    planRow(row, plan, input, listed.get(row.provider));
  }
  if (input.referencedIds !== undefined) {
    for (const [provider, files] of listed) planRemote(provider, files, input.referencedIds, plan, input);
  }
  for (const c of plan.delete) {
    plan.bytesFreed += c.size;
    if (c.record?.status === 'active') plan.quotaFreed += c.record.sizeBytes;
  }
  return plan;
}

/** Provider → its files by id; a listing that failed becomes an error and no orphan verdicts. */
function indexListings(listings: readonly ProviderListing[], only: ProviderName | undefined, plan: GcPlan): Map<ProviderName, Map<string, RemoteFile>> {
  const out = new Map<ProviderName, Map<string, RemoteFile>>();
  for (const listing of listings) {
    if (only !== undefined && listing.provider !== only) continue;
    if ('error' in listing) {
      plan.errors.push({ provider: listing.provider, id: null, fileId: null, error: listing.error });
      continue;
    }
    out.set(listing.provider, new Map(listing.files.map((f) => [f.id, f])));
  }
  return out;
}

function planRow(row: RowSummary, plan: GcPlan, input: GcInputs, files: Map<string, RemoteFile> | undefined): void {
  const { policy, now } = input;
  if (row.status === 'deleted') return;
  const old = row.createdAt < plan.cutoff;
  if (row.status === 'uploading') {
    // A live lease is an upload in progress: never touched. An expired one is failed in all but name.
    if ((row.leaseExpiresAt ?? 0) > now) return void (plan.keepCount += 1);
    plan.expired.push(row);
  }
  if (row.status !== 'active') {
    if (old) plan.delete.push(rowCandidate(row, 'purge-failed', 'retention', now));
    else plan.keepCount += 1;
    return;
  }
  if (old && !policy.onlyFailed) return void plan.delete.push(rowCandidate(row, 'delete-row', 'retention', now));
  const missing = files !== undefined && row.providerFileId !== null && !files.has(row.providerFileId);
  if (missing) {
    const { record, provider, fileId, name, ageMs, size } = rowCandidate(row, 'mark-missing', 'orphan', now);
    plan.orphans.push({ kind: 'catalog-only', record, provider, fileId, name, ageMs, size });
  }
  if (missing && policy.orphans) plan.delete.push(rowCandidate(row, 'mark-missing', 'orphan', now));
  else plan.keepCount += 1;
}

/** One literal shape for every candidate (spreading made 70,000 of them dictionary objects, 4× the memory). */
function rowCandidate(row: RowSummary, action: GcAction, reason: GcCandidate['reason'], now: number): GcCandidate {
  return { action, reason, provider: row.provider, record: row, fileId: row.providerFileId, name: row.originalName, ageMs: Math.max(0, now - row.createdAt), size: row.sizeBytes };
}

function planRemote(provider: ProviderName, files: Map<string, RemoteFile>, referenced: ReadonlySet<string>, plan: GcPlan, input: GcInputs): void {
  for (const file of files.values()) {
    if (referenced.has(file.id)) continue;
    const ageMs = input.now - file.createdAt * 1000;
    // Stored but not yet recorded: an upload may be between the provider's answer and complete().
    if (!(ageMs >= input.policy.orphanMinAgeMs)) continue;
    plan.orphans.push({ kind: 'provider-only', provider, record: undefined, fileId: file.id, name: file.filename, ageMs, size: file.bytes });
    if (input.policy.orphans) plan.delete.push({ action: 'delete-remote', reason: 'orphan', provider, record: undefined, fileId: file.id, name: file.filename, ageMs, size: file.bytes });
  }
}

/** The provider file ids rows reference: any row not deleted keeps its file from being an orphan. */
export function referencedFileIds(rows: Iterable<RowSummary>): Set<string> {
  const ids = new Set<string>();
  for (const row of rows) if (row.status !== 'deleted' && row.providerFileId !== null) ids.add(row.providerFileId);
  return ids;
}

/** Days, to two decimals, for people and --json. */
export function ageDays(ms: number): number {
  return Math.round((ms / 86_400_000) * 100) / 100;
}
