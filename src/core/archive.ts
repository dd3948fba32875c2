/**
 * The archive: a second copy of every uploaded file, kept by the shared backend (Supabase
 * Storage) under `<user_id>/<sha256>`. Core code sees only this interface; the CLI passes
 * an implementation when SUPABASE_URL is set and --no-archive is not.
 */
import type { UploadBody } from '../providers/types.js';

/** What an archive copy needs: the verified body (re-opened and re-checked) and its hash. */
export interface ArchiveInput {
  sha256: string;
  body: UploadBody;
  signal?: AbortSignal | undefined;
}

/** Where copies are kept. */
export interface Archive {
  /** Store the bytes (streamed, never whole in memory); an existing object of the same size counts as stored. Resolves to the object key. */
  put(input: ArchiveInput): Promise<string>;
  /** Delete an object; one that is already gone is fine. */
  remove(storagePath: string): Promise<void>;
}
