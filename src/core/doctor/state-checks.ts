/** Catalog schema, locks, Node version and config: the local half of doctor. */
import fs from 'node:fs/promises';
import path from 'node:path';
import type { LoadedConfig } from '../config/load.js';
import type { DoctorCheck } from './types.js';

/** The SQLite catalog reachable and at the latest migration (read without migrating it). */
export async function checkSqliteCatalog(dataDir: string): Promise<DoctorCheck[]> {
  const name = 'catalog';
  const { CATALOG_FILE } = await import('../../catalog/sqlite.js');
  const { LATEST_VERSION, readSchemaVersion } = await import('../../catalog/migrations.js');
  const file = path.join(dataDir, CATALOG_FILE);
  if (!(await fs.stat(file).then(() => true, () => false))) return [{ name, status: 'ok', message: `${file} not created yet (first upload creates it)` }];
  try {
    const { loadSqliteDriver } = await import('../sqlite-driver.js');
    const driver = await loadSqliteDriver();
    const db = new driver.Database(file, { ...driver.options, readonly: true, fileMustExist: true });
    try {
      const version = readSchemaVersion(db);
      db.prepare('SELECT count(*) FROM files').get();
      if (version === LATEST_VERSION) return [{ name, status: 'ok', message: `${file}: schema v${version} (latest)` }];
      if (version < LATEST_VERSION) return [{ name, status: 'warn', message: `${file}: schema v${version}, latest is v${LATEST_VERSION}`, hint: 'the next exai command that opens it migrates it' }];
      return [{ name, status: 'fail', message: `${file}: schema v${version} is newer than this exai (v${LATEST_VERSION})`, hint: 'upgrade exai' }];
    } finally {
      db.close();
    }
  } catch (error) {
    return [{ name, status: 'fail', message: `${file} cannot be read: ${error instanceof Error ? error.message : String(error)}`, hint: 'check the file and its permissions' }];
  }
}

/** Lockfiles: how many, which are stale, and the wait/takeover/timeout counters. */
export async function checkLocks(stateDir: string, now: number, leaseMs: number): Promise<DoctorCheck[]> {
  const { listLocks, lockStats } = await import('../lock/index.js');
  const [locks, stats] = await Promise.all([listLocks(stateDir, now, { leaseMs }), lockStats(stateDir)]);
  const stale = locks.filter((l) => l.stale);
  const counters = `${stats.waits} waits, ${stats.takeovers} takeovers, ${stats.timeouts} timeouts so far`;
  const summary: DoctorCheck = { name: 'locks', status: 'ok', message: `${locks.length} held (${locks.length - stale.length} live); ${counters}` };
  if (stale.length === 0) return [summary];
  const keys = stale.map((l) => `${l.key.slice(0, 16)} (${l.reason})`).join(', ');
  return [summary, { name: 'stale locks', status: 'warn', message: `${stale.length} stale: ${keys}`, hint: 'run `exai unlock` (or `exai gc`, which removes them too)' }];
}

/** Node 20.19 or later (package.json engines). */
export function checkNode(version: string): DoctorCheck[] {
  const [major = 0, minor = 0] = version.split('.').map(Number);
  const ok = major > 20 || (major === 20 && minor >= 19);
  if (ok) return [{ name: 'node', status: 'ok', message: `Node ${version}` }];
  return [{ name: 'node', status: 'fail', message: `Node ${version} is older than 20.19`, hint: 'install Node 20.19 or later' }];
}

/**
 * The config: each problem a lenient load recorded (bad value, unsafe or malformed file) is a
 * failed check naming key, origin, rule and fix; then which values do not come from defaults,
 * secrets by name only.
 */
export async function checkConfig(loaded: LoadedConfig): Promise<DoctorCheck[]> {
  const { formatSource } = await import('../config/describe.js');
  const { CONFIG_KEYS } = await import('../config/keys.js');
  const secret = new Set(CONFIG_KEYS.filter((k) => k.secret).map((k) => k.key));
  const problems = loaded.problems ?? [];
  const bad = new Set(problems.map((p) => p.key));
  const set = Object.entries(loaded.sources)
    .filter(([key, source]) => source.kind !== 'default' && !bad.has(key))
    .map(([key, source]) => `${key}${secret.has(key) ? ' (secret)' : ''} from ${formatSource(source)}`);
  const out: DoctorCheck[] = problems.map((p) => ({
    name: 'config',
    status: 'fail',
    message: `${p.message}; ${p.key === undefined ? 'the other checks ran without it' : 'the other checks used the default'}`,
    hint: p.fix,
  }));
  const valid = problems.length === 0 ? 'valid' : 'the rest is valid';
  out.push({ name: 'config', status: 'ok', message: set.length === 0 ? `${valid}; every value is a default` : `${valid}; ${set.join(', ')}` });
  for (const warning of loaded.warnings) out.push({ name: 'config', status: 'warn', message: warning });
  return out;
}
