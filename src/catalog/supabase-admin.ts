/**
 * The operator's view of the shared catalog (service role, SUPABASE_SERVICE_ROLE_KEY): every
 * user's rows, for gc. It reads through exai_admin_list and plain table reads (the service
 * role bypasses RLS) and writes only through exai_admin_* functions. It uploads nothing:
 * claims belong to users, so every upload-side method refuses.
 */
import type { SupabaseClient } from '../auth/client.js';
import type { ProviderName } from '../core/config/types.js';
import { ExaiError } from '../core/errors.js';
import { restError, type RestFailure } from './supabase-errors.js';
import { recordFromJson, type FileRowJson } from './supabase-rows.js';
import type { Catalog, DeletionReason, FileRecord, ListFilter, RowSummary, Usage } from './types.js';

interface RestResult {
  data: unknown;
  error: RestFailure | null;
  status: number;
}

/** Rows per exai_admin_list call (the function's own cap). */
const PAGE = 10_000;

/** gc across all users. */
export class SupabaseAdminCatalog implements Catalog {
  constructor(
    private readonly client: SupabaseClient,
    private readonly pageSize = PAGE,
  ) {}

  private async call<T>(fn: string, args: Record<string, unknown>, action: string): Promise<T> {
    const result = (await this.client.rpc(fn, args as never)) as RestResult;
    if (result.error) throw restError(result.error, result.status, action);
    return result.data as T;
  }

  private async read(query: PromiseLike<unknown>): Promise<FileRecord[]> {
    const result = (await query) as RestResult;
    if (result.error) throw restError(result.error, result.status, 'lookup');
    return ((result.data ?? []) as FileRowJson[]).map(recordFromJson);
  }

  /**
   * Pages by key (the last row's created_at, as the server wrote it to the microsecond, and
   * id), never by offset: each page costs the same however deep, and a row purged between
   * pages cannot shift the next page past one it never showed.
   */
  async list(filter: ListFilter): Promise<FileRecord[]> {
    const rows: FileRecord[] = [];
    const base = { p_user_id: filter.userId ?? null, p_status: filter.status ?? null, p_provider: filter.provider ?? null, p_limit: this.pageSize };
    let after: Record<string, unknown> = {};
    for (;;) {
      const page = await this.call<FileRowJson[]>('exai_admin_list', { ...base, ...after }, 'list');
      rows.push(...page.map(recordFromJson).filter((r) => filter.since === undefined || r.createdAt >= filter.since));
      const last = page.at(-1);
      if (last === undefined || page.length < this.pageSize) break;
      after = { p_after_created_at: last.created_at, p_after_id: last.id };
    }
    const newest = rows.sort((a, b) => b.createdAt - a.createdAt);
    return filter.limit === undefined ? newest : newest.slice(0, Math.max(0, Math.floor(filter.limit)));
  }

  listAll(filter: Omit<ListFilter, 'userId'>): Promise<RowSummary[]> {
    return this.list(filter);
  }

  async findByRef(userId: string | undefined, ref: string): Promise<FileRecord[]> {
    const files = () => this.client.from('files').select('*').neq('status', 'deleted');
    const lookups = [this.read(files().eq('provider_file_id', ref))];
    if (/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(ref)) lookups.push(this.read(files().eq('id', ref)));
    if (/^[0-9a-f]{6,64}$/i.test(ref)) lookups.push(this.read(files().like('sha256', `${ref.toLowerCase()}*`)));
    const byId = new Map<string, FileRecord>();
    for (const rows of await Promise.all(lookups)) for (const row of rows) if (userId === undefined || row.userId === userId) byId.set(row.id, row);
    return [...byId.values()].sort((a, b) => b.createdAt - a.createdAt);
  }

  async markDeleted(id: string, reason: DeletionReason, _now: number): Promise<FileRecord> {
    return recordFromJson(await this.call<FileRowJson>('exai_admin_mark_deleted', { p_id: id, p_reason: reason }, 'delete'));
  }

  async reconcileExpired(_now: number): Promise<FileRecord[]> {
    return ((await this.call<FileRowJson[]>('exai_admin_reconcile_expired', {}, 'reconcile')) ?? []).map(recordFromJson);
  }

  /** Failed rows of one user (or all) and one provider (or all), last updated before `olderThan`. */
  async purgeFailed(userId: string | undefined, olderThan: number, provider?: ProviderName): Promise<number> {
    const args = { p_before: new Date(olderThan).toISOString(), p_user_id: userId ?? null, p_provider: provider ?? null };
    return Number(await this.call<number | string>('exai_admin_purge_failed', args, 'purge'));
  }

  /** Bytes held by one user's live rows, or every user's when `userId` is empty (gc's "quota after"). */
  async usage(userId: string): Promise<Usage> {
    const live = (await this.list({ userId: userId === '' ? undefined : userId })).filter((r) => r.status === 'active' || r.status === 'uploading');
    return { usedBytes: live.reduce((sum, r) => sum + r.sizeBytes, 0), activeFiles: live.filter((r) => r.status === 'active').length, uploadingFiles: live.filter((r) => r.status === 'uploading').length };
  }

  findActive(): Promise<FileRecord | undefined> {
    return refuse();
  }
  liveOfSize(): Promise<FileRecord[]> {
    return refuse();
  }
  claim(): Promise<never> {
    return refuse();
  }
  renewLease(): Promise<void> {
    return refuse();
  }
  complete(): Promise<FileRecord> {
    return refuse();
  }
  fail(): Promise<void> {
    return refuse();
  }
  close(): Promise<void> {
    return Promise.resolve();
  }
}

function refuse(): Promise<never> {
  return Promise.reject(new ExaiError('AUTH_REFUSED', 'the service role only runs operator commands (gc); uploads belong to a signed-in user', { hint: 'unset SUPABASE_SERVICE_ROLE_KEY for user commands, and run `exai login`' }));
}
