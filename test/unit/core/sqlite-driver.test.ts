/** The SQLite driver is loaded once, with its native addon named by path (no `bindings` probing). */
import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { loadSqliteDriver } from '../../../src/core/sqlite-driver.js';

describe('loadSqliteDriver', () => {
  it('names an addon file that exists, and opens a working database with it', async () => {
    const driver = await loadSqliteDriver();
    expect(driver.options.nativeBinding).toMatch(/better_sqlite3\.node$/);
    expect(existsSync(driver.options.nativeBinding!)).toBe(true);
    const db = new driver.Database(':memory:', driver.options);
    expect(db.prepare('SELECT 1 + 1 AS two').get()).toEqual({ two: 2 });
    db.close();
  });

  it('loads the driver once per process', async () => {
    expect(loadSqliteDriver()).toBe(loadSqliteDriver());
  });
});
