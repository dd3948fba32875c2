/**
 * Big files whose hash is learnt while uploading ('pending' claims) meet uploads whose hash is
 * known: a real-hash upload waits for a live pending claim of its size (it may be the same
 * content), takes over an abandoned one, and same-size files of one batch never wait on each
 * other. Real SQLite catalog, the local provider, a fake clock.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { acquireLock } from '../../../../src/core/lock/index.js';
import { prepareFiles, uploadBatch, uploadFile, type UploadDeps, type ValidatedFile } from '../../../../src/core/upload/index.js';
import { createUploadSetup } from '../../../helpers/upload-deps.js';
import { createFakeClock } from '../../../servers/upload-fixtures.js';

const SIZE = 9 * 1024 * 1024;
const OPTS = { strict: false, dryRun: false } as const;
const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

async function setUp(names: string[]) {
  const clock = createFakeClock(Date.now());
  const setup = await createUploadSetup({ prefix: 'exai-pending-claims-', clock });
  cleanups.push(setup.cleanup);
  const shas: string[] = [];
  for (const name of names) shas.push(await setup.writeBinaryPdf(name, SIZE));
  const batch = await prepareFiles(names, { policy: setup.policy, rules: setup.config, concurrency: 2 });
  return { deps: setup.deps, catalog: setup.catalog, clock, files: batch.valid, shas, dirs: setup.dirs };
}

function pendingClaim(deps: UploadDeps, now: number) {
  return deps.catalog.claim({
    userId: 'tester',
    provider: 'local',
    purpose: 'file-extract',
    sha256: 'pending:elsewhere',
    sizeBytes: SIZE,
    mimeType: 'application/pdf',
    originalName: 'other.pdf',
    leaseMs: 600_000,
    quotaBytes: 1e12,
    now,
  });
}

const withHash = (file: ValidatedFile, sha256: string): ValidatedFile => ({ ...file, sha256 });

describe('pending claims meet real-hash uploads', () => {
  it('prepare leaves a big binary file unhashed (it will be hashed as it is sent)', async () => {
    const { files } = await setUp(['big.pdf']);
    expect(files[0]?.sha256).toBeUndefined();
  });

  it('a real-hash upload waits for a live pending claim of its size and dedups once it completes as the same content', async () => {
    const { deps, catalog, clock, files, shas, dirs } = await setUp(['big.pdf']);
    const held = await acquireLock({ dir: dirs.state, key: `size-${SIZE}`, timeoutMs: 1_000, leaseMs: 30_000, owner: { command: 'upload' }, clock });
    const pending = await pendingClaim(deps, clock.now());
    if (pending.kind !== 'claimed') throw new Error('expected a pending claim');
    const sleep = clock.sleep;
    clock.sleep = async (ms: number) => {
      await sleep(ms);
      if (clock.sleeps.length !== 1) return;
      // The other upload finishes: it was the same content.
      await catalog.complete(pending.record.id, 'local-from-elsewhere', Math.round(clock.now()), { sha256: shas[0]! });
      await held.release();
    };
    const waits: string[] = [];
    const outcome = await uploadFile(withHash(files[0]!, shas[0]!), OPTS, { ...deps, events: { onLockWait: (f) => waits.push(f.displayPath) } });
    expect(outcome.error?.message).toBeUndefined();
    expect(outcome).toMatchObject({ status: 'deduplicated', fileId: 'local-from-elsewhere', sha256: shas[0] });
    expect(waits.length).toBeGreaterThan(0);
    expect((await catalog.list({})).map((r) => r.status)).toEqual(['active']);
  });

  it('a pending claim nobody holds the size lock for is failed and the file uploaded', async () => {
    const { deps, catalog, clock, files, shas } = await setUp(['big.pdf']);
    await pendingClaim(deps, clock.now());
    const reconciled: string[] = [];
    const outcome = await uploadFile(withHash(files[0]!, shas[0]!), OPTS, { ...deps, events: { onReconciled: (_f, id) => reconciled.push(id) } });
    expect(outcome).toMatchObject({ status: 'uploaded', sha256: shas[0] });
    expect(reconciled).toHaveLength(1);
    const rows = await catalog.list({});
    expect(rows.map((r) => [r.status, r.sha256]).sort()).toEqual([
      ['active', shas[0]],
      ['failed', 'pending:elsewhere'],
    ]);
  });

  it('same-size files of one batch are hashed up front: both uploaded, nobody waits for a lock', async () => {
    const { deps, catalog, files, shas } = await setUp(['a.pdf', 'b.pdf']);
    const waits: string[] = [];
    const outcomes = await uploadBatch(files, { ...OPTS, concurrency: 2, failFast: false }, { ...deps, events: { onLockWait: (f) => waits.push(f.displayPath) } });
    expect(outcomes.map((o) => [o.status, o.sha256])).toEqual([
      ['uploaded', shas[0]],
      ['uploaded', shas[1]],
    ]);
    expect(waits).toEqual([]);
    expect((await catalog.list({})).every((r) => r.status === 'active' && !r.sha256.startsWith('pending:'))).toBe(true);
  });

  it('a big file alone in an empty catalog is uploaded with its hash learnt on the way', async () => {
    const { deps, catalog, files, shas } = await setUp(['big.pdf']);
    const outcome = await uploadFile(files[0]!, OPTS, deps);
    expect(outcome).toMatchObject({ status: 'uploaded', sha256: shas[0] });
    expect((await catalog.list({}))[0]).toMatchObject({ status: 'active', sha256: shas[0] });
  });
});
