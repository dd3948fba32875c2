/**
 * A resumable (TUS) upload to Supabase Storage with tus-js-client: 6 MB chunks (Supabase
 * requires that size), the object named in the metadata, the verified body streamed. TUS
 * answers with real HTTP statuses; 409 (exists) and 415 (type) go back to the caller.
 */
import { Upload, type DetailedError } from 'tus-js-client';
import type { BodyReader, UploadBody } from '../providers/types.js';
import { DEADLINE_HINT } from '../auth/deadline-fetch.js';
import { ExaiError } from '../core/errors.js';
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
  /** The whole upload's deadline (tus-js-client has none of its own); none when absent. */
  deadlineMs?: number | undefined;
}

const CHUNK = 6 * 1024 * 1024;

/** Resolves to 200 when stored, or 409/415; rejects with an ExaiError otherwise. */
export async function tusUpload(input: TusInput): Promise<number> {
  const reader = await input.body.open();
  let timer: NodeJS.Timeout | undefined;
  try {
    return await new Promise<number>((resolve, reject) => {
      // The input is never read by tus itself: the fileReader below serves the slices.
      const upload = new Upload(Buffer.alloc(0), {
        fileReader: { openFile: () => Promise.resolve(sliceSource(reader, input.body.size)) },
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
      const stop = (reason: Error): void => void upload.abort(true).finally(() => reject(reason));
      input.signal?.addEventListener('abort', () => stop(input.signal?.reason as Error), { once: true });
      timer = startDeadline(input, stop);
      upload.start();
    });
  } finally {
    clearTimeout(timer);
    await reader.close();
  }
}

/** A timer that stops the upload when its deadline passes (a hung connect or a stalled PATCH). */
function startDeadline(input: TusInput, stop: (reason: Error) => void): NodeJS.Timeout | undefined {
  const ms = input.deadlineMs;
  if (ms === undefined) return undefined;
  const timer = setTimeout(() => stop(new ExaiError('CATALOG_ERROR', `archive upload of ${input.key} did not finish within ${ms} ms (http.requestDeadline)`, { retryable: true, hint: DEADLINE_HINT })), ms);
  timer.unref();
  return timer;
}

/**
 * The body as tus-js-client's file source: consecutive slices copied into ONE chunk-sized
 * buffer, reused for every PATCH (tus asks for the next slice only after the last was sent),
 * so a 95 MB upload holds 6 MB, not a stream's growing buffers. Copying before the next read
 * also honours the body reader's own buffer reuse (core/upload/chunks.ts).
 */
function sliceSource(reader: BodyReader, size: number): { size: number; slice(start: number, end: number): Promise<{ value: Buffer; done: boolean }>; close(): void } {
  const iterator = reader[Symbol.asyncIterator]();
  const buffer = Buffer.allocUnsafe(Math.max(1, Math.min(CHUNK, size)));
  let pending: Buffer = Buffer.alloc(0);
  let offset = 0;
  return {
    size,
    slice: async (start, end) => {
      if (start !== offset) throw new Error(`archive upload cannot seek (asked for ${start}, at ${offset})`);
      const want = Math.min(end, size, start + buffer.length) - start;
      let filled = 0;
      while (filled < want) {
        if (pending.length === 0) {
          const next = await iterator.next();
          if (next.done) break;
          pending = next.value;
        }
        const take = Math.min(want - filled, pending.length);
        pending.copy(buffer, filled, 0, take);
        pending = pending.subarray(take);
        filled += take;
      }
      offset += filled;
      // tus-js-client measures a slice by its `size` (as its own Node sources set it), not `length`.
      return { value: Object.assign(buffer.subarray(0, filled), { size: filled }), done: offset >= size };
    },
    close: () => undefined,
  };
}
