/**
 * `rm` of a file (purpose file-extract) racing an upload of the same content for purpose
 * batch, on the local provider with a store of thousands of sidecars (the sidecar scan of
 * the local delete is the window). Invariant: an active row's blob always exists. A few
 * rounds here; bench/locks-stress.mjs runs many, across processes.
 */
import { randomBytes } from 'node:crypto';
import { access, mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { removeFile } from '../../../../src/core/remove/index.js';
import { prepareFiles, uploadFile } from '../../../../src/core/upload/index.js';
import { createUploadSetup, type UploadSetup } from '../../../helpers/upload-deps.js';

const ROUNDS = 2;
const SIDECARS = 1_500;
const realClock = { now: () => Date.now(), sleep: (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)) };

let setup: UploadSetup | undefined;
afterEach(async () => {
  await setup?.cleanup();
  setup = undefined;
});

/** Thousands of other files in the local store, as after months of use. */
async function fillStore(dataDir: string): Promise<void> {
  const blobs = path.join(dataDir, 'blobs');
  await mkdir(blobs, { recursive: true });
  await Promise.all(
    Array.from({ length: SIDECARS }, (_, i) => {
      const id = `local-${randomBytes(12).toString('hex')}`;
      const sidecar = { id, sha256: randomBytes(32).toString('hex'), filename: `f${i}.txt`, purpose: 'file-extract', bytes: 10, created_at: 1 };
      return writeFile(path.join(blobs, `${id}.json`), JSON.stringify(sidecar));
    }),
  );
}

async function blobExists(dataDir: string, sha256: string): Promise<boolean> {
  return access(path.join(dataDir, 'blobs', sha256)).then(() => true, () => false);
}

describe('rm racing an upload of the same content (local provider)', () => {
  it('never leaves an active row whose blob is gone', async () => {
    setup = await createUploadSetup({ prefix: 'exai-rm-race-', clock: realClock });
    const { deps, catalog, dirs } = setup;
    await fillStore(dirs.data);
    const removeDeps = { config: deps.config, catalog, registry: deps.registry, clock: realClock, userId: deps.userId };
    for (let round = 0; round < ROUNDS; round += 1) {
      await writeFile(path.join(setup.dir, `r${round}.txt`), `round ${round} ${randomBytes(8).toString('hex')}\n`);
      const [file] = (await prepareFiles([`r${round}.txt`], { policy: setup.policy, rules: setup.config, concurrency: 1 })).valid;
      const first = await uploadFile(file!, { strict: false, dryRun: false, purpose: 'file-extract' }, deps);
      expect(first.status).toBe('uploaded');
      const row = (await catalog.findByRef(deps.userId, first.fileId!))[0]!;
      const [removed, batch] = await Promise.all([
        removeFile(row, { reason: 'user', dryRun: false }, removeDeps),
        uploadFile(file!, { strict: false, dryRun: false, purpose: 'batch' }, deps),
      ]);
      expect(removed.record.status).toBe('deleted');
      expect(batch.status).toBe('uploaded');
      for (const active of await catalog.list({ status: 'active' })) {
        expect(await blobExists(dirs.data, active.sha256), `round ${round}: ${active.purpose} row lost its blob`).toBe(true);
      }
    }
  }, 30_000);
});
