/**
 * A real PostgreSQL for the tests that need one. Where it is: EXAI_TEST_PG_URL (what
 * scripts/pg-start.sh prints), else the libpq PG* variables. None reachable → the tests skip,
 * saying why, unless EXAI_REQUIRE_PG=1 (CI), which turns the skip into a failure.
 *
 * Each test file gets its own database, copied from a template that holds the Supabase
 * platform fixture and exai's migrations, so files run in parallel and leave nothing behind.
 */
import { createHash, randomBytes } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import pg from 'pg';

/** Where the fixture and the migrations live. */
export const FIXTURE_SQL = path.resolve('test/fixtures/supabase-platform.sql');
export const MIGRATIONS_DIR = path.resolve('supabase/migrations');

/**
 * The fixture's stand-in for a hosted project's `postgres` role (not a superuser): the
 * migrations are applied as this role, so they are proven to need no more than that.
 */
export const MIGRATION_ROLE = 'exai_migrator';
/** libpq/node-postgres `options` that make a session run as MIGRATION_ROLE. */
export const AS_MIGRATOR = `-c role=${MIGRATION_ROLE}`;

/** The reachable server, or why there is none. */
export type PgTarget = { ok: true; config: pg.ClientConfig } | { ok: false; reason: string };

// Serialises template builds and database copies across parallel test files.
const TEMPLATE_LOCK_KEY = 0x65786169; // 'exai'

/** Connection settings from EXAI_TEST_PG_URL or PG*; undefined when neither is set. */
export function pgConfigFromEnv(env: NodeJS.ProcessEnv = process.env): pg.ClientConfig | undefined {
  const url = env['EXAI_TEST_PG_URL'];
  if (url) {
    const u = new URL(url);
    return {
      host: u.searchParams.get('host') ?? (decodeURIComponent(u.hostname) || 'localhost'),
      port: u.port ? Number(u.port) : 5432,
      user: decodeURIComponent(u.username) || 'postgres',
      password: u.password ? decodeURIComponent(u.password) : undefined,
      database: decodeURIComponent(u.pathname.slice(1)) || 'postgres',
    };
  }
  if (!env['PGHOST'] && !env['PGPORT'] && !env['PGDATABASE']) return undefined;
  return {}; // node-postgres reads PG* itself
}

let probed: Promise<PgTarget> | undefined;

/** Find the server once per file; prints the reason and skips, or throws under EXAI_REQUIRE_PG=1. */
export function findTestPg(): Promise<PgTarget> {
  probed ??= probe().then((target) => {
    if (target.ok) return target;
    if (process.env['EXAI_REQUIRE_PG'] === '1') throw new Error(`EXAI_REQUIRE_PG=1 but ${target.reason}`);
    process.stderr.write(`skipping PostgreSQL tests: ${target.reason}\n`);
    return target;
  });
  return probed;
}

async function probe(): Promise<PgTarget> {
  const config = pgConfigFromEnv();
  if (!config) return { ok: false, reason: 'no EXAI_TEST_PG_URL or PG* variables (start one with scripts/pg-start.sh)' };
  const client = new pg.Client({ ...config, connectionTimeoutMillis: 5000 });
  try {
    await client.connect();
    const { rows } = await client.query<{ v: number }>(`SELECT current_setting('server_version_num')::int AS v`);
    if ((rows[0]?.v ?? 0) < 150000) return { ok: false, reason: `server is older than PostgreSQL 15 (${rows[0]?.v})` };
    return { ok: true, config };
  } catch (err) {
    return { ok: false, reason: `cannot reach PostgreSQL: ${(err as Error).message}` };
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** Every migration, in file-name (timestamp) order. */
export function migrationFiles(): string[] {
  return readdirSync(MIGRATIONS_DIR).filter((f) => f.endsWith('.sql')).sort().map((f) => path.join(MIGRATIONS_DIR, f));
}

/** The fixture, then every migration. */
export function schemaFiles(): string[] {
  return [FIXTURE_SQL, ...migrationFiles()];
}

/** Run SQL files on a database, each in one transaction, as `psql -1 -f` would. */
export async function applySqlFiles(config: pg.ClientConfig, files: string[]): Promise<void> {
  const client = new pg.Client(config);
  await client.connect();
  try {
    for (const file of files) {
      try {
        await client.query(`BEGIN;\n${readFileSync(file, 'utf8')}\nCOMMIT;`);
      } catch (err) {
        await client.query('ROLLBACK').catch(() => undefined);
        throw new Error(`${path.basename(file)}: ${(err as Error).message}`, { cause: err });
      }
    }
  } finally {
    await client.end();
  }
}

function templateName(files: string[]): string {
  const hash = createHash('sha256');
  for (const file of files) hash.update(readFileSync(file));
  return `exai_tpl_${hash.digest('hex').slice(0, 16)}`;
}

async function buildTemplate(admin: pg.Client, config: pg.ClientConfig, name: string): Promise<void> {
  const exists = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
  if (exists.rowCount) return;
  // Build under a scratch name and rename when done: a half-built template is never copied.
  const scratch = `${name}_build`;
  await admin.query(`DROP DATABASE IF EXISTS ${scratch} WITH (FORCE)`);
  await admin.query(`CREATE DATABASE ${scratch}`);
  await applySqlFiles({ ...config, database: scratch }, [FIXTURE_SQL]);
  await applySqlFiles({ ...config, database: scratch, options: AS_MIGRATOR }, migrationFiles());
  await admin.query(`ALTER DATABASE ${scratch} RENAME TO ${name}`);
  // Templates of older schema versions are dead weight in a long-lived dev cluster.
  const stale = await admin.query<{ datname: string }>(
    `SELECT datname FROM pg_database WHERE datname LIKE 'exai\\_tpl\\_%' AND datname <> $1 AND datname NOT LIKE '%\\_build'`,
    [name],
  );
  for (const row of stale.rows) await admin.query(`DROP DATABASE IF EXISTS ${row.datname}`).catch(() => undefined);
}

/**
 * Run `body` holding the lock that template builds hold: the fixture creates cluster-wide
 * roles, and two sessions creating the same role at once would collide.
 */
export async function withSchemaLock<T>(config: pg.ClientConfig, body: () => Promise<T> | T): Promise<T> {
  const admin = new pg.Client(config);
  await admin.connect();
  try {
    await admin.query('SELECT pg_advisory_lock($1)', [TEMPLATE_LOCK_KEY]);
    return await body();
  } finally {
    await admin.end(); // ending the session releases the lock
  }
}

/** Create a fresh database with the platform fixture and migrations applied; returns its name. */
export async function createSchemaDatabase(config: pg.ClientConfig): Promise<string> {
  const template = templateName(schemaFiles());
  const name = `exai_t_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client(config);
  await admin.connect();
  try {
    await admin.query('SELECT pg_advisory_lock($1)', [TEMPLATE_LOCK_KEY]);
    await buildTemplate(admin, config, template);
    await admin.query(`CREATE DATABASE ${name} TEMPLATE ${template}`);
  } finally {
    await admin.query('SELECT pg_advisory_unlock($1)', [TEMPLATE_LOCK_KEY]).catch(() => undefined);
    await admin.end();
  }
  return name;
}

/** Create an empty database (no fixture, no migrations); returns its name. */
export async function createEmptyDatabase(config: pg.ClientConfig): Promise<string> {
  const name = `exai_t_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client(config);
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  return name;
}

/** libpq environment for `psql` reaching `database` on the configured server (as `role`). */
export function libpqEnv(config: pg.ClientConfig, database: string, role?: string): Record<string, string> {
  const env: Record<string, string> = { ...(process.env as Record<string, string>), PGDATABASE: database };
  if (role) env['PGOPTIONS'] = `-c role=${role}`;
  else delete env['PGOPTIONS'];
  if (config.host) env['PGHOST'] = config.host;
  if (config.port) env['PGPORT'] = String(config.port);
  if (config.user) env['PGUSER'] = config.user;
  if (typeof config.password === 'string') env['PGPASSWORD'] = config.password;
  return env;
}

/** Drop a database made by createSchemaDatabase, closing whatever still uses it. */
export async function dropDatabase(config: pg.ClientConfig, name: string): Promise<void> {
  if (!/^exai_t_[0-9a-f]+$/.test(name)) throw new Error(`refusing to drop ${name}`);
  const admin = new pg.Client(config);
  await admin.connect();
  try {
    await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  } finally {
    await admin.end();
  }
}
