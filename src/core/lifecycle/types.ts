/** The shapes gc trades in: a policy, what it reads, the plan it makes and what applying it did. */
import type { DeletionReason, RowSummary } from '../../catalog/types.js';
import type { RemoteFile } from '../../providers/types.js';
import type { ProviderName } from '../config/types.js';
import type { ExaiError } from '../errors.js';

/** What one gc run may remove. */
export interface GcPolicy {
  /** Rows older than this (ms) are past retention; > 0 unless the operator said 0 explicitly. */
  olderThanMs: number;
  /** --provider: only this provider's rows and files. */
  provider?: ProviderName | undefined;
  /** --status failed: only purge failed rows; active rows are kept whatever their age. */
  onlyFailed: boolean;
  /** --orphans: act on orphans (they are always listed). */
  orphans: boolean;
  /** A provider file younger than this is never an orphan: its upload may still be finishing. */
  orphanMinAgeMs: number;
}

/** What gc does to one thing. */
export type GcAction =
  /** Delete the provider file and soft-delete the row (retention). */
  | 'delete-row'
  /** Remove a failed row from the catalog for good (it holds no quota and no provider file). */
  | 'purge-failed'
  /** Delete a provider file no row references. */
  | 'delete-remote'
  /** Soft-delete an active row whose provider file is gone. */
  | 'mark-missing';

/** One planned deletion. */
export interface GcCandidate {
  action: GcAction;
  reason: Exclude<DeletionReason, 'user'>;
  provider: ProviderName;
  /** The catalog row; undefined for a provider file no row references. */
  record: RowSummary | undefined;
  fileId: string | null;
  name: string;
  ageMs: number;
  size: number;
}

/** An orphan either way round: a provider file with no row, or an active row with no provider file. */
export interface GcOrphan {
  kind: 'provider-only' | 'catalog-only';
  provider: ProviderName;
  record: RowSummary | undefined;
  fileId: string | null;
  name: string;
  ageMs: number;
  size: number;
}

/** One provider's file list, or why it could not be read. */
export type ProviderListing = { provider: ProviderName; files: RemoteFile[] } | { provider: ProviderName; error: ExaiError };

/** Everything planGc looks at. */
export interface GcInputs {
  /** The rows gc may act on (one user's, or every user's for the service role). */
  rows: readonly RowSummary[];
  /**
   * Provider file ids any row (of any user, any status but deleted) references. Undefined when
   * they can't be known (a user session on a shared catalog): then no provider file is called
   * an orphan, since it may be another user's.
   */
  referencedIds: ReadonlySet<string> | undefined;
  listings: readonly ProviderListing[];
  now: number;
  policy: GcPolicy;
}

/** A failure tied to one row, file or provider listing. */
export interface GcError {
  provider: ProviderName;
  id: string | null;
  fileId: string | null;
  error: ExaiError;
}

/** The plan: what would go, what stays, and what could not be looked at. */
export interface GcPlan {
  now: number;
  /** Catalog rows created before this are past retention. */
  cutoff: number;
  delete: GcCandidate[];
  keepCount: number;
  /** Provider bytes the deletions free. */
  bytesFreed: number;
  /** Quota bytes the deletions give back (active rows only). */
  quotaFreed: number;
  orphans: GcOrphan[];
  /** `uploading` rows whose lease expired: reconciled to failed before anything else. */
  expired: RowSummary[];
  errors: GcError[];
}
