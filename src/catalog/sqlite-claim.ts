/**
 * The claim step (DESIGN.md §1 steps 5-6) for SQLite: dedup lookup, expired-claim
 * reconciliation, quota check and the `uploading` insert, all in ONE immediate transaction
 * so a second process sees either nothing or our finished claim.
 */
import { randomUUID } from 'node:crypto';
import type Database from 'better-sqlite3';
import { ExaiError } from '../core/errors.js';
import { formatBytes, toRecord, type FileRow } from './sqlite-rows.js';
import { sqliteCode } from './sqlite-errors.js';
import { selectUsedBytes } from './sqlite-usage.js';
import { isPendingSha256, PENDING_SHA256_PREFIX, type ClaimInput, type ClaimResult, type DedupKey, type FileRecord } from './types.js';

/** Error text left on a claim whose lease ran out. */
export const LEASE_EXPIRED_ERROR = 'lease expired (crashed upload?)';

/** Columns of the dedup key, as SQL parameters. */
export function keyParams(key: DedupKey): Record<string, string> {
  return { user_id: key.userId, provider: key.provider, purpose: key.purpose, sha256: key.sha256.toLowerCase() };
}

const KEY_WHERE = 'user_id = @user_id AND provider = @provider AND purpose = @purpose AND sha256 = @sha256';

/** The live (uploading or active) row for a key; the unique index allows at most one. */
export function selectLiveByKey(db: Database.Database, key: DedupKey): FileRecord | undefined {
  const row = db
    .prepare(`SELECT * FROM files WHERE ${KEY_WHERE} AND status IN ('uploading', 'active')`)
    .get(keyParams(key)) as FileRow | undefined;
  return row ? toRecord(row) : undefined;
}

/** Error texts of claims whose upload may have reached the provider unseen (adoption). */
const ABANDONED_WHERE = `status = 'failed' AND provider_file_id IS NULL AND (error LIKE 'lease expired%' OR error LIKE 'abandoned%')`;
const ADOPTION_WINDOW_MS = 24 * 3600 * 1000;

/** The latest abandoned claim on the key within a day (Catalog.claim's `abandoned`). */
function selectAbandoned(db: Database.Database, input: ClaimInput): FileRecord | undefined {
  const row = db
    .prepare(`SELECT * FROM files WHERE ${KEY_WHERE} AND ${ABANDONED_WHERE} AND created_at >= @since ORDER BY created_at DESC, rowid DESC LIMIT 1`)
    .get({ ...keyParams(input), since: input.now - ADOPTION_WINDOW_MS }) as FileRow | undefined;
  return row ? toRecord(row) : undefined;
}

function quotaError(used: number, limit: number, needed: number): ExaiError {
  return new ExaiError(
    'QUOTA_EXCEEDED',
    `quota exceeded: ${formatBytes(used)} of ${formatBytes(limit)} used, this file needs ${formatBytes(needed)}`,
    {
      hint: 'free space with `exai rm <id>` (see `exai ls`), or raise the quota',
      details: { used_bytes: used, limit_bytes: limit, needed_bytes: needed },
    },
  );
}

function expireClaim(db: Database.Database, id: string, now: number): void {
  db.prepare(
    `UPDATE files SET status = 'failed', error = ?, lease_expires_at = NULL, updated_at = ? WHERE id = ? AND status = 'uploading'`,
  ).run(LEASE_EXPIRED_ERROR, now, id);
}

function insertClaim(db: Database.Database, input: ClaimInput): FileRecord {
  const row = db
    .prepare(
      `INSERT INTO files (id, user_id, provider, purpose, sha256, size_bytes, mime_type, original_name,
         status, lease_expires_at, created_at, updated_at, lock_generation)
       VALUES (@id, @user_id, @provider, @purpose, @sha256, @size_bytes, @mime_type, @original_name,
         'uploading', @lease, @now, @now, @generation)
       RETURNING *`,
    )
    .get({
      ...keyParams(input),
      id: randomUUID(),
      size_bytes: input.sizeBytes,
      mime_type: input.mimeType,
      original_name: input.originalName,
      lease: input.now + input.leaseMs,
      now: input.now,
      generation: input.lockGeneration ?? null,
    }) as FileRow;
  return toRecord(row);
}

/**
 * Live rows of the claim's size, provider and purpose; expired claims among them are failed.
 * A claim with a real hash only cares about pending rows (and expires the stale ones), so
 * SQL leaves out the live rows with real hashes: a batch of same-size files would otherwise
 * read back every earlier row of the batch at each claim (quadratic in the batch).
 */
function liveOfSameSize(db: Database.Database, input: ClaimInput): FileRecord[] {
  const onlyPendingOrExpired = isPendingSha256(input.sha256)
    ? ''
    : `AND (substr(sha256, 1, ${PENDING_SHA256_PREFIX.length}) = @pending_prefix
         OR (status = 'uploading' AND (lease_expires_at IS NULL OR lease_expires_at <= @now)))`;
  const rows = db
    .prepare(
      `SELECT * FROM files WHERE user_id = @user_id AND provider = @provider AND purpose = @purpose AND size_bytes = @size
         AND status IN ('uploading', 'active') ${onlyPendingOrExpired}`,
    )
    .all({ ...keyParams(input), size: input.sizeBytes, now: input.now, pending_prefix: PENDING_SHA256_PREFIX }) as FileRow[];
  const live: FileRecord[] = [];
  for (const record of rows.map(toRecord)) {
    const expired = record.status === 'uploading' && (record.leaseExpiresAt === null || record.leaseExpiresAt <= input.now);
    if (expired) expireClaim(db, record.id, input.now);
    else live.push(record);
  }
  return live;
}

/** Pending and real claims of one size exclude each other (see Catalog.claim). */
function sizeConflict(db: Database.Database, input: ClaimInput): ClaimResult | undefined {
  const live = liveOfSameSize(db, input);
  if (isPendingSha256(input.sha256)) return live[0] ? { kind: 'size-taken', record: live[0] } : undefined;
  const pending = live.find((r) => isPendingSha256(r.sha256));
  return pending ? { kind: 'busy', record: pending } : undefined;
}

function claimBody(db: Database.Database, input: ClaimInput): ClaimResult {
  const live = selectLiveByKey(db, input);
  if (live?.status === 'active') return { kind: 'active', record: live };
  const conflict = sizeConflict(db, input);
  if (conflict) return conflict;
  if (live && live.leaseExpiresAt !== null && live.leaseExpiresAt > input.now) return { kind: 'busy', record: live };
  if (live) expireClaim(db, live.id, input.now);
  const used = selectUsedBytes(db, input.userId, input.now);
  // A non-finite quota means "unlimited"; never bind Infinity into SQL.
  if (Number.isFinite(input.quotaBytes) && used + input.sizeBytes > input.quotaBytes) {
    throw quotaError(used, input.quotaBytes, input.sizeBytes);
  }
  const abandoned = isPendingSha256(input.sha256) ? undefined : selectAbandoned(db, input);
  const record = insertClaim(db, input);
  return abandoned ? { kind: 'claimed', record, abandoned } : { kind: 'claimed', record };
}

/** Run the whole claim in one IMMEDIATE transaction (write lock taken up front, no upgrade deadlock). */
export function claimInTransaction(db: Database.Database, input: ClaimInput): ClaimResult {
  try {
    return db.transaction(claimBody).immediate(db, input);
  } catch (err) {
    // Only reachable if another writer slipped in (e.g. a different exai build): re-read.
    if (sqliteCode(err) !== 'SQLITE_CONSTRAINT_UNIQUE') throw err;
    const live = selectLiveByKey(db, input);
    if (!live) throw err;
    return live.status === 'active' ? { kind: 'active', record: live } : { kind: 'busy', record: live };
  }
}

/** What completing a claim writes; `sha256` replaces a pending hash. */
export interface Completion {
  id: string;
  providerFileId: string;
  now: number;
  storagePath?: string | null | undefined;
  sha256?: string | undefined;
  /** Compare-and-set: only a row still claimed with this token completes. */
  lockGeneration?: number | undefined;
}

/** uploading → active; undefined when the row is no longer uploading. */
export function completeClaim(db: Database.Database, c: Completion): FileRow | undefined {
  try {
    return db
      .prepare(
        `UPDATE files SET status = 'active', provider_file_id = ?, storage_path = ?, sha256 = COALESCE(?, sha256),
           lease_expires_at = NULL, error = NULL, updated_at = ? WHERE id = ? AND status = 'uploading'
           AND (? IS NULL OR lock_generation = ?) RETURNING *`,
      )
      .get(c.providerFileId, c.storagePath ?? null, c.sha256?.toLowerCase() ?? null, c.now, c.id, c.lockGeneration ?? null, c.lockGeneration ?? null) as
      | FileRow
      | undefined;
  } catch (err) {
    // Only a pending hash can collide: the same content finished under another claim first.
    if (sqliteCode(err) !== 'SQLITE_CONSTRAINT_UNIQUE') throw err;
    throw new ExaiError('CATALOG_ERROR', `claim ${c.id}: the same content was recorded by another upload while this one ran`, {
      hint: `provider file ${c.providerFileId} is a duplicate that \`exai gc\` removes`,
      details: { provider_file_id: c.providerFileId },
    });
  }
}
