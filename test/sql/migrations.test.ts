/**
 * The migrations apply the way the README says (psql, one transaction per file, stop on the
 * first error) on a fresh database that has only what the Supabase platform provides.
 */
import { spawnSync } from 'node:child_process';
import { afterAll, describe, expect, it } from 'vitest';
import { createEmptyDatabase, dropDatabase, findTestPg, libpqEnv, schemaFiles } from '../helpers/pg.js';

const target = await findTestPg();
const psql = spawnSync('psql', ['--version'], { encoding: 'utf8' });
const hasPsql = psql.status === 0;

describe.skipIf(!target.ok || !hasPsql)('shared catalog: migrations with psql', () => {
  const made: string[] = [];
  afterAll(async () => {
    if (target.ok) for (const name of made) await dropDatabase(target.config, name);
  });

  function runPsql(env: Record<string, string>, args: string[]): { status: number | null; stderr: string; stdout: string } {
    const r = spawnSync('psql', ['-X', '-q', '-v', 'ON_ERROR_STOP=1', ...args], { env, encoding: 'utf8' });
    return { status: r.status, stderr: r.stderr, stdout: r.stdout };
  }

  it('applies the platform fixture and every migration with psql -1 -f, in file order', async () => {
    if (!target.ok) return;
    const name = await createEmptyDatabase(target.config);
    made.push(name);
    const env = libpqEnv(target.config, name);
    for (const file of schemaFiles()) {
      const r = runPsql(env, ['-1', '-f', file]);
      expect(r.stderr.replace(/^.*NOTICE:.*$\n?/gm, ''), file).toBe('');
      expect(r.status, file).toBe(0);
    }
    const check = runPsql(env, ['-A', '-t', '-c', `SELECT count(*) FROM pg_proc WHERE proname LIKE 'exai\\_%'`]);
    expect(check.stdout.trim()).toBe('15');
  });

  it('fails as one transaction when a migration cannot apply, leaving nothing half-made', async () => {
    if (!target.ok) return;
    const name = await createEmptyDatabase(target.config);
    made.push(name);
    const env = libpqEnv(target.config, name);
    // Without the platform (no auth schema) the first migration must fail whole.
    const [, first] = schemaFiles();
    const r = runPsql(env, ['-1', '-f', first!]);
    expect(r.status).not.toBe(0);
    const left = runPsql(env, ['-A', '-t', '-c', `SELECT count(*) FROM pg_namespace WHERE nspname = 'exai_private'`]);
    expect(left.stdout.trim()).toBe('0');
  });
});
