/**
 * Schema of the running usage totals (migration 4): one `user_usage` row per user holds the
 * bytes and counts of that user's `uploading` + `active` rows, kept by triggers on `files`
 * in the same transaction as the change, so the total is right whatever statement wrote the
 * row (claim, complete, fail, reconcile, soft delete, purge, a hand-run DELETE).
 */

/** Statuses whose rows hold quota until a lease check says otherwise. */
const HELD = `('uploading', 'active')`;

/** Add (sign +1) or take away (-1) one row's share; `row` is NEW or OLD. */
function upsertShare(row: 'NEW' | 'OLD', sign: 1 | -1): string {
  const s = sign === 1 ? '' : '-';
  return `INSERT INTO user_usage (user_id, held_bytes, active_files, uploading_files)
      SELECT ${row}.user_id, ${s}${row}.size_bytes, ${s}(${row}.status = 'active'), ${s}(${row}.status = 'uploading')
      WHERE ${row}.status IN ${HELD}
      ON CONFLICT (user_id) DO UPDATE SET held_bytes = held_bytes + excluded.held_bytes,
        active_files = active_files + excluded.active_files, uploading_files = uploading_files + excluded.uploading_files;`;
}

/** Migration 4: the table, its backfill from existing rows, the triggers and the lease index. */
export const USAGE_MIGRATION_SQL = `
  CREATE TABLE user_usage (
    user_id TEXT PRIMARY KEY,
    held_bytes INTEGER NOT NULL DEFAULT 0,
    active_files INTEGER NOT NULL DEFAULT 0,
    uploading_files INTEGER NOT NULL DEFAULT 0
  ) STRICT;
  INSERT INTO user_usage (user_id, held_bytes, active_files, uploading_files)
    SELECT user_id, SUM(size_bytes), SUM(status = 'active'), SUM(status = 'uploading')
    FROM files WHERE status IN ${HELD} GROUP BY user_id;
  CREATE TRIGGER files_usage_insert AFTER INSERT ON files WHEN NEW.status IN ${HELD}
  BEGIN ${upsertShare('NEW', 1)} END;
  CREATE TRIGGER files_usage_delete AFTER DELETE ON files WHEN OLD.status IN ${HELD}
  BEGIN ${upsertShare('OLD', -1)} END;
  -- Only updates that change what a row holds: a lease renewal does not fire it.
  CREATE TRIGGER files_usage_update AFTER UPDATE OF status, size_bytes, user_id ON files
    WHEN (OLD.status IN ${HELD} OR NEW.status IN ${HELD})
     AND (OLD.status IS NOT NEW.status OR OLD.size_bytes IS NOT NEW.size_bytes OR OLD.user_id IS NOT NEW.user_id)
  BEGIN ${upsertShare('OLD', -1)} ${upsertShare('NEW', 1)} END;
  -- A user's claims whose lease ran out: subtracted from the totals until reconciled.
  CREATE INDEX files_user_uploading ON files (user_id, lease_expires_at) WHERE status = 'uploading';
`;
