/**
 * After the provider took the file: copy it into the archive. A failed copy does not undo a
 * successful upload (the provider has the file and the row records it); it is reported, and
 * the row keeps no storage path, so nothing later relies on a copy that isn't there.
 */
import { isExaiError, ExaiError } from '../errors.js';
import { createUploadBody } from './body.js';
import type { UploadDeps, ValidatedFile } from './types.js';

/** The archive key for `file`, or undefined when there is no archive or the copy failed. */
export async function archiveCopy(file: ValidatedFile, sha256: string, deps: UploadDeps): Promise<string | undefined> {
  if (!deps.archive) return undefined;
  try {
    return await deps.archive.put({ sha256, body: createUploadBody({ ...file, sha256 }, deps.policy), signal: deps.signal });
  } catch (error) {
    const reported = isExaiError(error) ? error : new ExaiError('CATALOG_ERROR', `archive copy failed: ${String(error)}`);
    deps.events?.onArchiveFailed?.(file, reported);
    return undefined;
  }
}
