/**
 * The shared catalog (DESIGN.md §5) on Supabase: every write is one rpc to a SECURITY
 * DEFINER function that acts on auth.uid()'s rows only (supabase/migrations), every read a
 * table read that RLS limits to the caller's rows. The user ids the interface passes are
 * not sent: the server takes the user from the verified token, never from the client.
 */
import type { SupabaseClient } from '../auth/client.js';
import { redactSecrets } from '../core/redact.js';
import { recordFromJson, type FileRowJson } from './supabase-rows.js';
import { restError, type RestFailure } from './supabase-errors.js';
import type { ProviderName } from '../core/config/types.js';
import type { Catalog, ClaimInput, ClaimResult, DedupKey, DeletionReason, FileRecord, ListFilter, RowSummary, Usage } from './types.js';

/** Usage with the server's limits for this user (user_quotas). */
export interface SharedUsage extends Usage {
  quotaBytes: number;
  maxFileSize: number;
}

interface RestResult {
  data: unknown;
  error: RestFailure | null;
  status: number;
}

interface ClaimJson {
  kind: ClaimResult['kind'];
  record: FileRowJson;
  abandoned: FileRowJson | null;
}

/** A Catalog whose rows live in a Supabase project, reached as the signed-in user. */
export class SupabaseCatalog implements Catalog {
  /** The fencing token of each claim this process made: presented on complete/fail/renew (contract.md §1-2). */
  private readonly generations = new Map<string, number>();

  constructor(private readonly client: SupabaseClient) {}

  private async call<T>(fn: string, args: Record<string, unknown>, action: string): Promise<T> {
    const result = (await this.client.rpc(fn, args as never)) as RestResult;
    if (result.error) throw restError(result.error, result.status, action);
    return result.data as T;
  }

  private async rows(query: PromiseLike<unknown>, action: string): Promise<FileRecord[]> {
    const result = (await query) as RestResult;
    if (result.error) throw restError(result.error, result.status, action);
    return ((result.data ?? []) as FileRowJson[]).map(recordFromJson);
  }

  private files() {
    return this.client.from('files').select('*');
  }

  async findActive(key: DedupKey): Promise<FileRecord | undefined> {
    const query = this.files().eq('provider', key.provider).eq('purpose', key.purpose).eq('sha256', key.sha256).eq('status', 'active').limit(1);
    return (await this.rows(query, 'lookup'))[0];
  }

  liveOfSize(_userId: string, sizeBytes: number): Promise<FileRecord[]> {
    return this.rows(this.files().eq('size_bytes', sizeBytes).in('status', ['uploading', 'active']), 'lookup');
  }

  async claim(input: ClaimInput): Promise<ClaimResult> {
    // Quota, max file size and the clock are the server's: input.quotaBytes and input.now are not sent.
    const result = await this.call<ClaimJson>(
      'exai_claim',
      { p_provider: input.provider, p_purpose: input.purpose, p_sha256: input.sha256, p_size_bytes: input.sizeBytes, p_mime_type: input.mimeType, p_original_name: input.originalName, p_lease_ms: input.leaseMs },
      'claim',
    );
    const record = recordFromJson(result.record);
    if (result.kind !== 'claimed') return { kind: result.kind, record };
    if (record.lockGeneration !== null) this.generations.set(record.id, record.lockGeneration);
    const claimed = { kind: 'claimed' as const, record, ...(result.abandoned ? { abandoned: recordFromJson(result.abandoned) } : {}) };
    return claimed;
  }

  async renewLease(id: string, leaseMs: number, _now: number, lockGeneration?: number): Promise<void> {
    await this.call('exai_renew_lease', { p_id: id, p_lease_ms: leaseMs, p_lock_generation: this.generationOf(id, lockGeneration) }, 'lease renewal');
  }

  async complete(id: string, providerFileId: string, _now: number, extra: { storagePath?: string | null; sha256?: string; lockGeneration?: number } = {}): Promise<FileRecord> {
    const row = await this.call<FileRowJson>(
      'exai_complete',
      { p_id: id, p_provider_file_id: providerFileId, p_lock_generation: this.generationOf(id, extra.lockGeneration), p_storage_path: extra.storagePath ?? null, p_sha256: extra.sha256 ?? null },
      'complete',
    );
    this.generations.delete(id);
    return recordFromJson(row);
  }

  async fail(id: string, error: string, _now: number, lockGeneration?: number): Promise<void> {
    // The row is shared with operators: no token-shaped text leaves this machine in it.
    await this.call('exai_fail', { p_id: id, p_error: redactSecrets(error), p_lock_generation: this.generationOf(id, lockGeneration) }, 'fail');
    this.generations.delete(id);
  }

  async reconcileExpired(_now: number): Promise<FileRecord[]> {
    return ((await this.call<FileRowJson[]>('exai_reconcile_expired', {}, 'reconcile')) ?? []).map(recordFromJson);
  }

  async list(filter: ListFilter): Promise<FileRecord[]> {
    // exai_list reconciles expired leases first, so a crashed upload never shows as uploading.
    const rows = await this.call<FileRowJson[]>(
      'exai_list',
      {
        p_provider: filter.provider ?? null,
        p_status: filter.status ?? null,
        p_since: filter.since === undefined ? null : new Date(filter.since).toISOString(),
        p_limit: filter.limit === undefined ? null : Math.max(0, Math.floor(filter.limit)),
      },
      'list',
    );
    return (rows ?? []).map(recordFromJson);
  }

  async findByRef(_userId: string, ref: string): Promise<FileRecord[]> {
    return ((await this.call<FileRowJson[]>('exai_find_by_ref', { p_ref: ref }, 'lookup')) ?? []).map(recordFromJson);
  }

  async markDeleted(id: string, reason: DeletionReason, _now: number): Promise<FileRecord> {
    return recordFromJson(await this.call<FileRowJson>('exai_mark_deleted', { p_id: id, p_reason: reason }, 'delete'));
  }

  async usage(_userId: string): Promise<SharedUsage> {
    const u = await this.call<Record<string, number | string>>('exai_usage', {}, 'usage');
    return {
      usedBytes: Number(u['used_bytes']),
      activeFiles: Number(u['active_files']),
      uploadingFiles: Number(u['uploading_files']),
      quotaBytes: Number(u['quota_bytes']),
      maxFileSize: Number(u['max_file_size']),
    };
  }

  /** A user session sees its own rows only (RLS): gc as a user plans over those. */
  listAll(filter: Omit<ListFilter, 'userId'>): Promise<RowSummary[]> {
    return this.list(filter);
  }

  /** The caller's failed rows (of one provider, or all) before `olderThan`; the server takes the user from the token. */
  async purgeFailed(_userId: string | undefined, olderThan: number, provider?: ProviderName): Promise<number> {
    const args = { p_before: new Date(olderThan).toISOString(), p_provider: provider ?? null };
    return Number(await this.call<number | string>('exai_purge_failed', args, 'purge'));
  }

  close(): Promise<void> {
    return Promise.resolve();
  }

  private generationOf(id: string, given: number | undefined): number | null {
    return given ?? this.generations.get(id) ?? null;
  }
}
