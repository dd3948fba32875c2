/** Many files at once: bounded concurrency, results in input order, optional fail-fast. */
import { mapLimit } from '../concurrency.js';
import { sharedSizes } from './hash-later.js';
import { baseOutcome, uploadFile } from './one-file.js';
import type { UploadDeps, UploadOptions, UploadOutcome, ValidatedFile } from './types.js';

export interface BatchOptions extends UploadOptions {
  concurrency: number;
  /** Stop starting new files after the first failure (the rest are reported `skipped`). */
  failFast: boolean;
}

/** Reconcile crashed claims, then upload every file; per-file failures are outcomes, not throws. */
export async function uploadBatch(files: readonly ValidatedFile[], opts: BatchOptions, deps: UploadDeps): Promise<UploadOutcome[]> {
  // The shared backend reconciles inside every claim and read (SQL), so a run that only
  // finds dedup hits costs one request per file and nothing more.
  if (!opts.dryRun && deps.locksCoverCatalog) await deps.catalog.reconcileExpired(deps.clock.now());
  let stopped = false;
  const perFile = { ...opts, hashFirstSizes: sharedSizes(files) };
  return mapLimit(files, opts.concurrency, async (file) => {
    if (stopped || deps.signal?.aborted) return skipped(file);
    const outcome = await uploadFile(file, perFile, deps);
    if (outcome.status === 'failed' && opts.failFast) stopped = true;
    return outcome;
  });
}

function skipped(file: ValidatedFile): UploadOutcome {
  return { ...baseOutcome(file), status: 'skipped' };
}
