/**
 * The gc lock of the shared catalog (exai_gc_lock_* functions): one gc at a time per scope
 * across machines. The server decides the scope from the caller (service role: every user;
 * a session: that user) and issues the generation; this only calls and checks the answers.
 */
import type { SupabaseClient } from '../auth/client.js';
import type { GcLockAttempt, GcLockHolder, GcLockStore } from '../core/ops/gc-lock.js';
import type { GcLockAdmin, SharedGcLockState } from '../core/ops/gc-unlock.js';
import { restError, type RestFailure } from './supabase-errors.js';

interface RestResult {
  data: unknown;
  error: RestFailure | null;
  status: number;
}

/** exai_gc_lock_acquire / _renew / _release / _status / _clear over one client (operator or user). */
export class SupabaseGcLock implements GcLockStore, GcLockAdmin {
  constructor(private readonly client: SupabaseClient) {}

  private async call(fn: string, args: Record<string, unknown>, action: string): Promise<unknown> {
    const result = (await this.client.rpc(fn, args as never)) as RestResult;
    if (result.error) throw restError(result.error, result.status, action);
    return result.data;
  }

  async acquire(holder: GcLockHolder, leaseMs: number): Promise<GcLockAttempt> {
    const data = (await this.call('exai_gc_lock_acquire', { p_holder: holder, p_lease_ms: Math.round(leaseMs) }, 'gc lock')) as Record<string, unknown> | null;
    if (data?.['acquired'] === true && Number.isSafeInteger(Number(data['generation']))) {
      return { acquired: true, generation: Number(data['generation']), tookOver: data['took_over'] === true };
    }
    const since = typeof data?.['since'] === 'string' ? data['since'] : undefined;
    const expiresAt = typeof data?.['expires_at'] === 'string' ? data['expires_at'] : undefined;
    return { acquired: false, holder: readHolder(data?.['holder'], since), expiresAt };
  }

  async renew(generation: number, leaseMs: number): Promise<void> {
    await this.call('exai_gc_lock_renew', { p_generation: generation, p_lease_ms: Math.round(leaseMs) }, 'gc lock renew');
  }

  async release(generation: number): Promise<boolean> {
    return (await this.call('exai_gc_lock_release', { p_generation: generation }, 'gc lock release')) === true;
  }

  async status(): Promise<SharedGcLockState> {
    return readState(await this.call('exai_gc_lock_status', {}, 'gc lock status'));
  }

  async clear(generation: number | undefined, force: boolean): Promise<SharedGcLockState & { cleared: boolean }> {
    const data = await this.call('exai_gc_lock_clear', { p_generation: generation ?? null, p_force: force }, 'gc lock clear');
    return { ...readState(data), cleared: (data as Record<string, unknown> | null)?.['cleared'] === true };
  }
}

// status/clear answer: held or not, live or not, and the row's fields when there is one.
function readState(raw: unknown): SharedGcLockState {
  const data = raw !== null && typeof raw === 'object' ? (raw as Record<string, unknown>) : {};
  const str = (v: unknown) => (typeof v === 'string' ? v.replace(/[^\x20-\x7e]/g, '?').slice(0, 64) : undefined);
  const generation = Number(data['generation']);
  const since = str(data['since']);
  return {
    held: data['held'] === true || data['cleared'] === true,
    live: data['live'] === true,
    generation: Number.isSafeInteger(generation) && generation > 0 ? generation : undefined,
    holder: readHolder(data['holder'], since),
    since,
    expiresAt: str(data['expires_at']),
  };
}

// The holder was written by another machine: keep only printable, short fields, and take
// "since" from the server's clock rather than from what the holder claimed.
function readHolder(raw: unknown, since: string | undefined): GcLockHolder | undefined {
  if (raw === null || typeof raw !== 'object') return undefined;
  const h = raw as Record<string, unknown>;
  const text = (v: unknown) => (typeof v === 'string' ? v.replace(/[^\x20-\x7e]/g, '?').slice(0, 128) : 'unknown');
  const pid = Number.isSafeInteger(h['pid']) ? (h['pid'] as number) : 0;
  return { pid, hostname: text(h['hostname']), user: text(h['user']), started: since ?? text(h['started']) };
}
