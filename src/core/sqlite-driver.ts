/**
 * better-sqlite3 for the catalog and the hash cache, with its native addon named directly.
 * Left to itself the driver finds the addon through the `bindings` package, which probes
 * several build folders and parses a stack trace (~5 ms per run); passing `nativeBinding`
 * skips that and lets the bundle carry the driver's JavaScript. A build in a folder other
 * than build/Release (a debug build from source) still works: then no path is passed.
 */
import { createRequire } from 'node:module';
import type BetterSqlite3 from 'better-sqlite3';

/** The Database class and the options every connection should be opened with. */
export interface SqliteDriver {
  Database: typeof BetterSqlite3;
  options: { nativeBinding?: string };
}

let loaded: Promise<SqliteDriver> | undefined;

/** Load the driver once per process. */
export function loadSqliteDriver(): Promise<SqliteDriver> {
  return (loaded ??= load());
}

async function load(): Promise<SqliteDriver> {
  const { default: Database } = await import('better-sqlite3');
  return { Database, options: addonPath() };
}

function addonPath(): { nativeBinding?: string } {
  try {
    return { nativeBinding: createRequire(import.meta.url).resolve('better-sqlite3/build/Release/better_sqlite3.node') };
  } catch {
    return {};
  }
}
