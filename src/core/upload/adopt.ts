/**
 * Adoption after a crash (contract item 3): a run killed after the provider stored the file
 * but before the answer arrived leaves a claim that expires or is found abandoned. Before
 * sending again, the provider's file list is asked (providers/stored-copy.ts, the same check
 * a garbled 2xx answer gets): exactly one file with this name, size and purpose created since
 * that claim is the crashed run's upload, and the new claim completes with it — no upload.
 * The crashed run died before its archive copy (that step follows the provider's answer), so
 * the adopting run makes it, as a normal upload would: the shared backend keeps every file.
 */
import type { FileRecord } from '../../catalog/types.js';
import type { Provider } from '../../providers/types.js';
import { CLOCK_SKEW_SECONDS, findStoredCopy } from '../../providers/stored-copy.js';
import type { LockHandle } from '../lock/index.js';
import { archiveCopy } from './archive-copy.js';
import { createUploadBody } from './body.js';
import type { UploadDeps, ValidatedFile } from './types.js';

/** The claim we hold and the abandoned one it may inherit a provider file from. */
export interface AdoptionInput {
  claimed: FileRecord;
  abandoned: FileRecord;
  provider: Provider;
  purpose: string;
}

/** The completed row when the crashed run's copy was found and adopted; else undefined (upload). */
export async function adoptStoredCopy(file: ValidatedFile, input: AdoptionInput, lock: LockHandle, deps: UploadDeps): Promise<FileRecord | undefined> {
  if (file.sha256 === undefined) return undefined;
  const { claimed, abandoned, provider, purpose } = input;
  const copy = await findStoredCopy(provider, {
    filename: createUploadBody(file, deps.policy).filename,
    size: file.facts.size,
    purpose,
    sentAfter: Math.floor(abandoned.createdAt / 1000) - CLOCK_SKEW_SECONDS,
    signal: deps.signal,
  });
  if (copy.kind !== 'one') return undefined;
  // A file another row already records is that row's, not the crashed run's.
  const owners = await deps.catalog.findByRef(deps.userId, copy.file.id);
  if (owners.some((r) => r.providerFileId === copy.file.id && r.provider === provider.name)) return undefined;
  const storagePath = await archiveCopy(file, file.sha256, deps);
  await lock.assertHeld();
  const record = await deps.catalog.complete(claimed.id, copy.file.id, deps.clock.now(), {
    ...(storagePath ? { storagePath } : {}),
    lockGeneration: claimed.lockGeneration ?? undefined,
  });
  deps.events?.onAdopted?.(file, copy.file.id);
  return record;
}
