import { describe, expect, it } from 'vitest';
import { claimInputFrom, useTempCatalog } from '../../helpers/catalog.js';

const T = 1_700_000_000_000;
const input = claimInputFrom({ now: T });
const db = useTempCatalog('exai-purge-');

async function failedRow(sha: string, now: number, over: { userId?: string; provider?: 'kimi' | 'glm' } = {}): Promise<string> {
  const claim = await db.get().claim(input({ sha256: sha.repeat(64), now, ...over }));
  await db.get().fail(claim.record.id, 'boom', now);
  return claim.record.id;
}

describe('catalog.purgeFailed', () => {
  it('removes only failed rows created before the cutoff, for one user or all, one provider or all', async () => {
    await failedRow('a', T - 10_000);
    await failedRow('b', T - 10_000, { userId: 'bob' });
    await failedRow('c', T - 10_000, { provider: 'glm' });
    const young = await failedRow('d', T);
    const active = await db.get().claim(input({ sha256: 'e'.repeat(64), now: T - 10_000 }));
    await db.get().complete(active.record.id, 'cE', T - 10_000);
    expect(await db.get().purgeFailed('alice', T - 1, 'kimi')).toBe(1);
    expect(await db.get().purgeFailed(undefined, T - 1)).toBe(2);
    const left = await db.get().listAll({});
    expect(left.map((r) => r.id).sort()).toEqual([young, active.record.id].sort());
  });
});
