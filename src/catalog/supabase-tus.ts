/**
 * A resumable (TUS) upload to Supabase Storage with tus-js-client: 6 MB chunks (Supabase
 * requires that size), the object named in the metadata, the verified body streamed. TUS
 * answers with real HTTP statuses; 409 (exists) and 415 (type) go back to the caller.
 */
import { Upload, type DetailedError } from 'tus-js-client';
import type { UploadBody } from '../providers/types.js';
import { streamOf } from './supabase-archive.js';
import { storageError } from './supabase-errors.js';

/** One object to send. */
export interface TusInput {
  url: string;
  anonKey: string;
  token: string;
  bucket: string;
  key: string;
  contentType: string;
  body: UploadBody;
  signal?: AbortSignal | undefined;
}

const CHUNK = 6 * 1024 * 1024;

/** Resolves to 200 when stored, or 409/415; rejects with an ExaiError otherwise. */
export async function tusUpload(input: TusInput): Promise<number> {
  const reader = await input.body.open();
  try {
    return await new Promise<number>((resolve, reject) => {
      const upload = new Upload(streamOf(reader), {
        endpoint: `${input.url}/storage/v1/upload/resumable`,
        headers: { authorization: `Bearer ${input.token}`, apikey: input.anonKey, 'x-upsert': 'false' },
        chunkSize: CHUNK,
        uploadSize: input.body.size,
        uploadDataDuringCreation: true,
        removeFingerprintOnSuccess: true,
        storeFingerprintForResuming: false,
        // The body is a one-way stream: a failed chunk cannot be read again, so no retries here.
        retryDelays: [],
        metadata: { bucketName: input.bucket, objectName: input.key, contentType: input.contentType, cacheControl: '3600' },
        onSuccess: () => resolve(200),
        onError: (error) => {
          const status = (error as DetailedError).originalResponse?.getStatus() ?? 0;
          if (status === 409 || status === 415) resolve(status);
          else reject(storageError({ message: error.message.split('\n')[0] ?? 'TUS upload failed', status }, input.key));
        },
      });
      input.signal?.addEventListener('abort', () => void upload.abort(true).finally(() => reject(input.signal?.reason as Error)), { once: true });
      upload.start();
    });
  } finally {
    await reader.close();
  }
}
