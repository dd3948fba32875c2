/**
 * The migrations apply the way the README says (psql, one transaction per file, stop on the
 * first error), as a project owner that is not a superuser, on a fresh database that has only
 * what the Supabase platform provides — including a platform that no longer lets the project
 * owner create policies on storage.objects.
 */
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { FIXTURE_SQL, MIGRATION_ROLE, createEmptyDatabase, dropDatabase, findTestPg, libpqEnv, migrationFiles, withSchemaLock, type PgTarget } from '../helpers/pg.js';

const target = await findTestPg();
const hasPsql = spawnSync('psql', ['--version']).status === 0;

function runPsql(env: Record<string, string>, args: string[]): { status: number | null; stderr: string; stdout: string } {
  const r = spawnSync('psql', ['-X', '-q', '-v', 'ON_ERROR_STOP=1', ...args], { env, encoding: 'utf8' });
  return { status: r.status, stderr: r.stderr, stdout: r.stdout };
}

/** One value from a query run as the superuser. */
function scalar(env: Record<string, string>, sql: string): string {
  return runPsql(env, ['-A', '-t', '-c', sql]).stdout.trim();
}

describe.skipIf(!target.ok || !hasPsql)('shared catalog: migrations with psql', () => {
  const ok = target as Extract<PgTarget, { ok: true }>;
  const made: string[] = [];
  const roles: string[] = [];
  afterAll(async () => {
    for (const name of made) await dropDatabase(ok.config, name);
    const admin = new pg.Client(ok.config);
    await admin.connect();
    for (const role of roles) await admin.query(`DROP ROLE IF EXISTS ${role}`);
    await admin.end();
  });

  /** A fresh database with the platform fixture; returns superuser and owner environments. */
  async function platformDb(): Promise<{ root: Record<string, string>; name: string }> {
    const name = await createEmptyDatabase(ok.config);
    made.push(name);
    const root = libpqEnv(ok.config, name);
    const r = await withSchemaLock(ok.config, () => runPsql(root, ['-1', '-f', FIXTURE_SQL]));
    expect(r.status, r.stderr).toBe(0);
    return { root, name };
  }

  it('applies every migration with psql -1 -f as the non-superuser project owner', async () => {
    const { root, name } = await platformDb();
    const owner = libpqEnv(ok.config, name, MIGRATION_ROLE);
    for (const file of migrationFiles()) {
      const r = runPsql(owner, ['-1', '-f', file]);
      expect(r.stderr.replace(/^.*NOTICE:.*$\n?/gm, ''), file).toBe('');
      expect(r.status, file).toBe(0);
    }
    expect(scalar(root, `SELECT count(*) FROM pg_proc WHERE proname LIKE 'exai\\_%' AND proowner = '${MIGRATION_ROLE}'::regrole`)).toBe('20');
    expect(scalar(root, `SELECT count(*) FROM pg_policies WHERE schemaname = 'storage' AND policyname LIKE 'exai\\_%'`)).toBe('5');
  });

  it('still installs the catalog, bucket closed, where the owner may not create storage policies', async () => {
    const { root, name } = await platformDb();
    // An owner like exai_migrator, minus membership in the storage tables' owner role.
    const role = `exai_m_${randomBytes(4).toString('hex')}`;
    roles.push(role);
    const grants = runPsql(root, ['-c', `CREATE ROLE ${role} LOGIN BYPASSRLS;
      GRANT CONNECT, CREATE ON DATABASE ${name} TO ${role}; GRANT USAGE, CREATE ON SCHEMA public TO ${role};
      GRANT USAGE ON SCHEMA auth, storage TO ${role}; GRANT SELECT, REFERENCES ON auth.users TO ${role};
      GRANT ALL ON storage.buckets, storage.objects TO ${role};`]);
    expect(grants.status, grants.stderr).toBe(0);
    const owner = libpqEnv(ok.config, name, role);
    const files = migrationFiles();
    const results = files.map((file) => runPsql(owner, ['-1', '-f', file]));
    expect(results.map((r) => r.status)).toEqual(results.map(() => 0));
    // The storage migration warns; later migrations (operator paging) need no storage rights.
    expect(results[files.findIndex((f) => f.endsWith('_exai_storage.sql'))]?.stderr).toMatch(/WARNING: {2}exai: could not create the policies on storage\.objects/);
    expect(scalar(root, `SELECT count(*) FROM pg_policies WHERE schemaname = 'storage' AND policyname LIKE 'exai\\_%'`)).toBe('0');
    expect(scalar(root, `SELECT count(*) FROM storage.buckets WHERE id = 'exai-files'`)).toBe('1');
    // Without policies RLS allows no user anything in the bucket (fail closed).
    const sub = '00000000-0000-4000-8000-000000000001';
    const insert = runPsql(libpqEnv(ok.config, name), ['-c', `BEGIN; SET LOCAL ROLE authenticated;
      SELECT set_config('request.jwt.claims', '{"sub":"${sub}","role":"authenticated"}', true);
      INSERT INTO storage.objects (bucket_id, name) VALUES ('exai-files', '${sub}/${'a'.repeat(64)}'); COMMIT;`]);
    expect(insert.stderr).toMatch(/row-level security/);
    for (const r of results.filter((_, i) => !files[i]!.endsWith('_exai_storage.sql'))) expect(r.stderr.replace(/^.*NOTICE:.*$\n?/gm, '')).toBe('');
  });

  it('fails as one transaction when a migration cannot apply, leaving nothing half-made', async () => {
    const name = await createEmptyDatabase(ok.config);
    made.push(name);
    const env = libpqEnv(ok.config, name);
    // Without the platform (no auth schema) the first migration must fail whole.
    const r = runPsql(env, ['-1', '-f', migrationFiles()[0]!]);
    expect(r.status).not.toBe(0);
    expect(scalar(env, `SELECT count(*) FROM pg_namespace WHERE nspname = 'exai_private'`)).toBe('0');
  });
});
