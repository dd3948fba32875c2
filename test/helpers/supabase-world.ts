/**
 * A Supabase project for tests: a fresh database from the PostgreSQL harness (test/helpers/
 * pg.ts: platform fixture + migrations) with the loopback server in front of it, connected as
 * `authenticator` as PostgREST and Storage are. Without a reachable server, `pgSkipReason`
 * says why (and fails under EXAI_REQUIRE_PG=1, as in CI).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type pg from 'pg';
import { startLoopbackSupabase, type LoopbackSupabase } from '../servers/supabase.js';
import { findTestPg } from './pg.js';
import { openTestDb } from './pg-request.js';

/** A project: the server, and a superuser pool for assertions behind RLS's back. */
export interface SupabaseWorld {
  server: LoopbackSupabase;
  admin: pg.Pool;
  close(): Promise<void>;
}

/** Why PostgreSQL tests cannot run here, or undefined when they can. */
export async function pgSkipReason(): Promise<string | undefined> {
  const target = await findTestPg();
  return target.ok ? undefined : target.reason;
}

/** Create the database, start the server. */
export async function startSupabaseWorld(): Promise<SupabaseWorld> {
  const db = await openTestDb();
  const storageDir = await mkdtemp(path.join(os.tmpdir(), 'exai-storage-'));
  const server = await startLoopbackSupabase({ db: db.api, authDb: db.admin, storageDir });
  return {
    server,
    admin: db.admin,
    close: async () => {
      await server.close();
      await db.close();
      await rm(storageDir, { recursive: true, force: true });
    },
  };
}
