/**
 * Shorthands for the SQL tests of the shared catalog: claim/complete through the rpc
 * functions as a user would, a barrier that lines up concurrent transactions, and the
 * invariant every test ends on (used_bytes equals the bytes of the user's live rows).
 */
import { createHash } from 'node:crypto';
import type pg from 'pg';
import { user, type TestDb } from './pg-request.js';

/** A files row as the functions return it (to_jsonb: bigints are numbers). */
export interface FileJson {
  id: string;
  user_id: string;
  status: string;
  sha256: string;
  size_bytes: number;
  lock_generation: number | null;
  provider_file_id: string | null;
  error: string | null;
  created_at: string;
}

/** What exai_claim returns. */
export interface ClaimJson {
  kind: 'claimed' | 'active' | 'busy' | 'size-taken';
  record: FileJson;
  abandoned: FileJson | null;
}

/** A distinct, valid sha256 for test content `n`. */
export function hashOf(n: number | string): string {
  return createHash('sha256').update(String(n)).digest('hex');
}

/** exai_claim arguments with defaults (kimi, file-extract, 1 minute lease). */
export function claimArgs(over: { sha256?: string; size?: number; provider?: string; purpose?: string; leaseMs?: number } = {}): Record<string, unknown> {
  return {
    p_provider: over.provider ?? 'kimi',
    p_purpose: over.purpose ?? 'file-extract',
    p_sha256: over.sha256 ?? hashOf(Math.random()),
    p_size_bytes: over.size ?? 100,
    p_mime_type: 'text/plain',
    p_original_name: 'report.txt',
    p_lease_ms: over.leaseMs ?? 60_000,
  };
}

/** SELECT public.exai_claim(...) in the client's open request transaction. */
export async function claimIn(client: pg.PoolClient, args: Record<string, unknown>): Promise<ClaimJson> {
  const names = Object.keys(args);
  const list = names.map((n, i) => `${n} => $${i + 1}`).join(', ');
  const { rows } = await client.query<{ r: ClaimJson }>(`SELECT public.exai_claim(${list}) AS r`, names.map((n) => args[n]));
  return rows[0]!.r;
}

/** Claim as user `uid` in one request. */
export async function claim(db: TestDb, uid: string, args: Record<string, unknown> = claimArgs()): Promise<ClaimJson> {
  return db.request(user(uid), (c) => claimIn(c, args));
}

/** Claim and complete: an active row. */
export async function activeRow(db: TestDb, uid: string, args: Record<string, unknown> = claimArgs()): Promise<FileJson> {
  const c = await claim(db, uid, args);
  const [row] = await db.rpc<FileJson>(user(uid), 'exai_complete', {
    p_id: c.record.id,
    p_provider_file_id: `file-${c.record.id}`,
    p_lock_generation: c.record.lock_generation,
  });
  return row!;
}

/** Resolves for everyone once `n` callers have arrived: lines up n open transactions. */
export function barrier(n: number): () => Promise<void> {
  let arrived = 0;
  let release!: () => void;
  const all = new Promise<void>((resolve) => (release = resolve));
  return () => {
    arrived += 1;
    if (arrived === n) release();
    return all;
  };
}

/** The user's quota row and the bytes their live rows really hold, read as superuser. */
export async function quotaState(db: TestDb, uid: string): Promise<{ used: number; quota: number; live: number }> {
  const { rows } = await db.admin.query<{ used: string; quota: string; live: string }>(
    `SELECT q.used_bytes AS used, q.quota_bytes AS quota,
            (SELECT coalesce(sum(size_bytes), 0) FROM public.files f
              WHERE f.user_id = q.user_id AND f.status IN ('uploading', 'active')) AS live
       FROM public.user_quotas q WHERE q.user_id = $1`,
    [uid],
  );
  const r = rows[0];
  if (!r) return { used: 0, quota: Number.NaN, live: 0 };
  return { used: Number(r.used), quota: Number(r.quota), live: Number(r.live) };
}

/** Set a user's quota as an operator would (service_role function, via the admin pool). */
export async function setQuota(db: TestDb, uid: string, quotaBytes: number, maxFileSize?: number): Promise<void> {
  await db.admin.query('SELECT public.exai_admin_set_quota($1, $2, $3)', [uid, quotaBytes, maxFileSize ?? null]);
}

/** Age a row's lease into the past, as if its holder crashed long ago. */
export async function expireLease(db: TestDb, id: string): Promise<void> {
  await db.admin.query(`UPDATE public.files SET lease_expires_at = now() - interval '1 second' WHERE id = $1`, [id]);
}
