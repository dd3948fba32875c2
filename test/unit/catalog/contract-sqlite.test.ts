/** The catalog contract against the embedded SQLite catalog (one file, users by id, the caller's clock). */
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { openSqliteCatalog } from '../../../src/catalog/sqlite.js';
import { describeCatalogContract } from './contract.js';

describeCatalogContract('sqlite', async () => {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'exai-contract-'));
  const catalog = await openSqliteCatalog({ dir: path.join(dir, 'data') });
  const quotas = new Map<string, number>();
  let now = Date.now();
  // SQLite takes the quota from each claim; the contract sets it per user.
  const withQuota: typeof catalog = Object.create(catalog) as typeof catalog;
  withQuota.claim = (input) => catalog.claim({ ...input, quotaBytes: quotas.get(input.userId) ?? input.quotaBytes });
  return {
    as: () => withQuota,
    userId: (user) => user,
    setQuota: (user, bytes) => Promise.resolve(void quotas.set(user, bytes)),
    now: () => now,
    expireLeases: () => Promise.resolve(void (now += 10 * 60_000)),
    close: async () => {
      await catalog.close();
      await fs.rm(dir, { recursive: true, force: true });
    },
  };
});
