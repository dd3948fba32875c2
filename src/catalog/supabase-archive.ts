/**
 * The archive in Supabase Storage (bucket exai-files, key `<user_id>/<sha256>`): up to 6 MB
 * one standard upload, above that TUS in 6 MB chunks, as Supabase recommends. The body is
 * the verified upload body, streamed: never the whole file in memory. An object that already
 * exists with the same size is the same content (the key is its hash) and counts as stored.
 */
import { Readable } from 'node:stream';
import type { Archive, ArchiveInput } from '../core/archive.js';
import { ExaiError } from '../core/errors.js';
import { transferAllowanceMs } from '../core/resilience.js';
import type { RequestDeadline } from '../auth/deadline-fetch.js';
import type { UserAuth } from '../auth/session.js';
import type { ProjectSettings, SupabaseClient } from '../auth/client.js';
import { storageError, storageStatus } from './supabase-errors.js';
import { tusUpload } from './supabase-tus.js';

/** The bucket the migrations create. */
export const ARCHIVE_BUCKET = 'exai-files';
/** Largest standard upload; above it, TUS (and its chunk size: Supabase requires 6 MB). */
export const STANDARD_UPLOAD_LIMIT = 6 * 1024 * 1024;

// Active content is kept as text: the bucket does not serve HTML or SVG as such.
const STORED_AS_TEXT = new Set(['text/html', 'image/svg+xml', 'application/xhtml+xml']);

/**
 * A byte stream of a body reader. The reader reuses its two buffers (core/upload/chunks.ts),
 * and fetch and TUS hold chunks longer than a socket write does, so each chunk is copied.
 */
export function streamOf(reader: AsyncIterable<Buffer>): Readable {
  async function* copies(): AsyncGenerator<Buffer> {
    for await (const chunk of reader) yield Buffer.from(chunk);
  }
  return Readable.from(copies(), { objectMode: false });
}

/** A whole TUS upload's deadline: one request's, plus the body at the minimum rate. */
function uploadDeadlineMs(deadline: RequestDeadline | undefined, size: number): number | undefined {
  return deadline === undefined ? undefined : deadline.requestDeadlineMs + transferAllowanceMs(size, deadline.minRateBytesPerSec);
}

/** An Archive for the signed-in user. */
export function createSupabaseArchive(auth: UserAuth, project: ProjectSettings): Archive {
  const bucket = () => auth.client.storage.from(ARCHIVE_BUCKET);
  return {
    put: async (input) => {
      const key = `${auth.userId}/${input.sha256}`;
      const type = STORED_AS_TEXT.has(input.body.mimeType) ? 'text/plain' : input.body.mimeType;
      let status = await send(input, key, type);
      // A type the bucket does not list is still archived, as bytes.
      if (status === 415 && type !== 'application/octet-stream') status = await send(input, key, 'application/octet-stream');
      if (status === 409) await assertSameSize(key, input.body.size);
      return key;
    },
    remove: async (storagePath) => {
      const { error } = await bucket().remove([storagePath]);
      if (error) throw storageError(error, storagePath);
    },
  };

  /** Upload once; resolves to 200, or to 409/415 for the caller to handle; throws on anything else. */
  async function send(input: ArchiveInput, key: string, contentType: string): Promise<number> {
    if (input.body.size > STANDARD_UPLOAD_LIMIT) {
      return tusUpload({ url: project.url, anonKey: project.anonKey, token: (refresh) => (refresh && auth.refreshAccessToken ? auth.refreshAccessToken() : auth.accessToken()), canRefresh: auth.refreshAccessToken !== undefined, bucket: ARCHIVE_BUCKET, key, contentType, body: input.body, signal: input.signal, deadlineMs: uploadDeadlineMs(project.deadline, input.body.size) });
    }
    const reader = await input.body.open();
    try {
      const { error } = await bucket().upload(key, streamOf(reader), { contentType, upsert: false, duplex: 'half' });
      if (!error) return 200;
      const status = storageStatus(error);
      if (status === 409 || status === 415) return status;
      throw storageError(error, key);
    } finally {
      await reader.close();
    }
  }

  async function assertSameSize(key: string, size: number): Promise<void> {
    const [folder, name] = key.split('/');
    const { data, error } = await bucket().list(folder, { search: name, limit: 1 });
    if (error) throw storageError(error, key);
    const found = data.find((entry) => entry.name === name);
    const stored = Number((found?.metadata as { size?: unknown } | undefined)?.size);
    if (stored !== size) {
      throw new ExaiError('CATALOG_ERROR', `the archive already holds ${key} with ${Number.isFinite(stored) ? stored : 'an unknown number of'} bytes, not ${size}`, {
        hint: 'an object under a content hash should never differ in size: an operator should inspect it',
      });
    }
  }
}

/** The operator's archive (service role): gc removes any user's copy; it stores nothing. */
export function createOperatorArchive(client: SupabaseClient): Archive {
  return {
    put: () => Promise.reject(new ExaiError('AUTH_REFUSED', 'the service role does not upload archive copies; uploads belong to a signed-in user')),
    remove: async (storagePath) => {
      const { error } = await client.storage.from(ARCHIVE_BUCKET).remove([storagePath]);
      if (error) throw storageError(error, storagePath);
    },
  };
}
