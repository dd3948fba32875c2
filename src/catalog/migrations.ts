/**
 * Versioned schema for the embedded SQLite catalog (DESIGN.md §5). PRAGMA user_version is
 * the schema version; each migration runs in its own IMMEDIATE transaction and re-reads the
 * version inside it, so two processes opening a fresh catalog at once migrate it once.
 */
import type Database from 'better-sqlite3';
import { USAGE_MIGRATION_SQL } from './sqlite-usage-schema.js';

/** One schema step; `version` is what user_version becomes after it. */
export interface Migration {
  version: number;
  sql: string;
}

/** Every migration, oldest first. Never edit a released one: append a new version. */
export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    sql: `
      CREATE TABLE files (
        id TEXT PRIMARY KEY,
        user_id TEXT NOT NULL,
        provider TEXT NOT NULL,
        purpose TEXT NOT NULL,
        provider_file_id TEXT,
        sha256 TEXT NOT NULL,
        size_bytes INTEGER NOT NULL CHECK (size_bytes >= 0),
        mime_type TEXT NOT NULL,
        original_name TEXT NOT NULL,
        storage_path TEXT,
        status TEXT NOT NULL CHECK (status IN ('uploading', 'active', 'failed', 'deleted')),
        lease_expires_at INTEGER,
        created_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL,
        deleted_at INTEGER,
        deletion_reason TEXT CHECK (deletion_reason IS NULL OR deletion_reason IN ('user', 'retention', 'orphan')),
        error TEXT
      ) STRICT;
      -- The dedup key: two racing claims can never both hold a live row.
      CREATE UNIQUE INDEX files_dedup_key ON files (user_id, provider, purpose, sha256)
        WHERE status IN ('uploading', 'active');
      CREATE INDEX files_user_created ON files (user_id, created_at);
      CREATE INDEX files_sha256 ON files (sha256);
      CREATE INDEX files_provider_file_id ON files (provider_file_id);
      CREATE INDEX files_uploading_lease ON files (lease_expires_at) WHERE status = 'uploading';
    `,
  },
  {
    // Big files are hashed while they upload when no live row has their size (liveOfSize).
    version: 2,
    sql: `CREATE INDEX files_user_size ON files (user_id, size_bytes) WHERE status IN ('uploading', 'active');`,
  },
  {
    // Fencing token of a claim (the content lock's generation): writes that depend on the
    // claim are compare-and-set on (id, lock_generation).
    version: 3,
    sql: `ALTER TABLE files ADD COLUMN lock_generation INTEGER;`,
  },
  {
    // Running per-user totals (sqlite-usage.ts): a claim's quota check read every row of
    // the user; now it reads one row plus the user's few expired claims.
    version: 4,
    sql: USAGE_MIGRATION_SQL,
  },
];

/** The schema version this build of exai writes. */
export const LATEST_VERSION = MIGRATIONS.reduce((max, m) => Math.max(max, m.version), 0);

/** Read PRAGMA user_version. */
export function readSchemaVersion(db: Database.Database): number {
  return db.pragma('user_version', { simple: true }) as number;
}

/** Bring the schema up to LATEST_VERSION; a no-op when it already is. Returns versions applied. */
export function migrate(db: Database.Database): number[] {
  const applied: number[] = [];
  for (const migration of MIGRATIONS) {
    if (readSchemaVersion(db) >= migration.version) continue;
    const step = db.transaction(() => {
      // Re-check under the write lock: another process may have migrated meanwhile.
      if (readSchemaVersion(db) >= migration.version) return false;
      db.exec(migration.sql);
      db.pragma(`user_version = ${migration.version}`);
      return true;
    });
    if (step.immediate()) applied.push(migration.version);
  }
  return applied;
}
