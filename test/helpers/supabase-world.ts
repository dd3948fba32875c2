/**
 * A Supabase project for tests: a fresh database on the PostgreSQL named by
 * EXAI_TEST_PG_URL (scripts/pg-start.sh exports it) with the platform fixture and the
 * migrations applied, and the loopback server in front of it connected as `authenticator`,
 * as PostgREST and Storage are. Without a reachable server, `pgSkipReason` says why.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { startLoopbackSupabase, type LoopbackSupabase } from '../servers/supabase.js';

/** A project: the server, and a superuser pool for assertions behind RLS's back. */
export interface SupabaseWorld {
  server: LoopbackSupabase;
  admin: pg.Pool;
  close(): Promise<void>;
}

const PG_URL = process.env['EXAI_TEST_PG_URL'];

/** Why PostgreSQL tests cannot run here, or undefined when they can. */
export async function pgSkipReason(): Promise<string | undefined> {
  if (PG_URL === undefined || PG_URL === '') return 'EXAI_TEST_PG_URL is not set (run `eval "$(scripts/pg-start.sh)"` first)';
  const client = new pg.Client({ connectionString: PG_URL, connectionTimeoutMillis: 3000 });
  try {
    await client.connect();
    return undefined;
  } catch (error) {
    return `PostgreSQL at EXAI_TEST_PG_URL is not reachable: ${(error as Error).message}`;
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** Create the database, apply the SQL, start the server. */
export async function startSupabaseWorld(): Promise<SupabaseWorld> {
  const name = `exai_test_${randomBytes(6).toString('hex')}`;
  const root = new pg.Client({ connectionString: PG_URL });
  await root.connect();
  await root.query(`create database ${name}`);
  await root.end();
  const adminUrl = withDatabase(PG_URL!, name);
  const admin = new pg.Pool({ connectionString: adminUrl, max: 2 });
  await applySql(admin);
  const asAuthenticator = new URL(adminUrl);
  asAuthenticator.username = 'authenticator';
  const db = new pg.Pool({ connectionString: asAuthenticator.toString(), max: 10 });
  const storageDir = await mkdtemp(path.join(os.tmpdir(), 'exai-storage-'));
  const server = await startLoopbackSupabase({ db, authDb: admin, storageDir });
  return {
    server,
    admin,
    close: async () => {
      await server.close();
      await db.end();
      await admin.end();
      await rm(storageDir, { recursive: true, force: true });
      const cleanup = new pg.Client({ connectionString: PG_URL });
      await cleanup.connect();
      await cleanup.query(`drop database if exists ${name} with (force)`);
      await cleanup.end();
    },
  };
}

async function applySql(admin: pg.Pool): Promise<void> {
  await admin.query(await readFile(path.resolve('test/fixtures/supabase-platform.sql'), 'utf8'));
  const dir = path.resolve('supabase/migrations');
  for (const file of (await readdir(dir)).filter((f) => f.endsWith('.sql')).sort()) {
    await admin.query(await readFile(path.join(dir, file), 'utf8'));
  }
}

function withDatabase(url: string, database: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${database}`;
  return parsed.toString();
}
