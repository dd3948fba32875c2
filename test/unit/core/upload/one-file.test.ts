/**
 * uploadFile against a real SQLite catalog and the local provider: what happens when another
 * writer holds a live claim on the same content, with and without locks covering the catalog.
 */
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Catalog } from '../../../../src/catalog/types.js';
import { prepareFiles, uploadFile, type ValidatedFile } from '../../../../src/core/upload/index.js';
import { createUploadSetup } from '../../../helpers/upload-deps.js';
import { createFakeClock } from '../../../servers/upload-fixtures.js';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

async function setUp(locksCoverCatalog: boolean) {
  const clock = createFakeClock(Date.now());
  const setup = await createUploadSetup({ prefix: 'exai-one-file-', clock, locksCoverCatalog });
  cleanups.push(setup.cleanup);
  await writeFile(path.join(setup.dir, 'a.txt'), 'hello from a test\n');
  const batch = await prepareFiles(['a.txt'], { policy: setup.policy, rules: setup.config, concurrency: 1 });
  return { deps: setup.deps, catalog: setup.catalog, clock, file: batch.valid[0]! };
}

/** Another writer (another machine, or a crashed run) holds a live claim on the same key. */
async function claimElsewhere(catalog: Catalog, file: ValidatedFile, now: number) {
  const result = await catalog.claim({
    userId: 'tester',
    provider: 'local',
    purpose: 'file-extract',
    sha256: file.sha256!,
    sizeBytes: file.facts.size,
    mimeType: 'text/plain',
    originalName: 'a.txt',
    leaseMs: 5_000,
    quotaBytes: 1e12,
    now,
  });
  expect(result.kind).toBe('claimed');
  return result.record;
}

const OPTS = { strict: false, dryRun: false } as const;

describe('uploadFile with a live claim held elsewhere', () => {
  it('embedded (locks cover the catalog): the claim is abandoned, failed and taken over at once', async () => {
    const { deps, catalog, clock, file } = await setUp(true);
    const other = await claimElsewhere(catalog, file, clock.now());
    const reconciled: string[] = [];
    const outcome = await uploadFile(file, OPTS, { ...deps, events: { onReconciled: (_f, id) => reconciled.push(id) } });
    expect(outcome).toMatchObject({ status: 'uploaded', provider: 'local', deduplicated: false });
    expect(reconciled).toEqual([other.id]);
    expect(clock.sleeps).toEqual([]);
    const rows = await catalog.list({});
    expect(rows.map((r) => r.status).sort()).toEqual(['active', 'failed']);
  });

  it('shared backend: waits for the other claim, and its finished upload is a dedup hit', async () => {
    const { deps, catalog, clock, file } = await setUp(false);
    const other = await claimElsewhere(catalog, file, clock.now());
    const sleep = clock.sleep;
    clock.sleep = async (ms: number) => {
      await sleep(ms);
      if (clock.sleeps.length === 1) await catalog.complete(other.id, 'remote-file-1', clock.now());
    };
    const outcome = await uploadFile(file, OPTS, deps);
    expect(outcome).toMatchObject({ status: 'deduplicated', fileId: 'remote-file-1' });
    expect((await catalog.list({})).map((r) => r.status)).toEqual(['active']);
  });

  it('shared backend: a claim whose lease runs out is reconciled and the file uploaded', async () => {
    const { deps, catalog, clock, file } = await setUp(false);
    await claimElsewhere(catalog, file, clock.now());
    const outcome = await uploadFile(file, OPTS, deps);
    expect(outcome.status).toBe('uploaded');
    expect(clock.sleeps.reduce((a, b) => a + b, 0)).toBeGreaterThanOrEqual(5_000);
    expect((await catalog.list({})).map((r) => r.status).sort()).toEqual(['active', 'failed']);
  });

  it('a dry run reports where the file would go and writes nothing', async () => {
    const { deps, catalog, file } = await setUp(true);
    const outcome = await uploadFile(file, { strict: false, dryRun: true }, deps);
    expect(outcome).toMatchObject({ status: 'would-upload', provider: 'local', purpose: 'file-extract' });
    expect(await catalog.list({})).toEqual([]);
  });
});
