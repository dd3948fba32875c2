/**
 * A resumable (TUS) upload to Supabase Storage with tus-js-client: 6 MB chunks (Supabase
 * requires that size), the object named in the metadata, the verified body streamed. TUS
 * answers with real HTTP statuses; 409 (exists) and 415 (type) go back to the caller. Every
 * request carries the current token, so an upload that outlives one access token goes on
 * with the refreshed one.
 */
import { Upload, type DetailedError } from 'tus-js-client';
import type { UploadBody } from '../providers/types.js';
import { DEADLINE_HINT } from '../auth/deadline-fetch.js';
import { ExaiError, isExaiError } from '../core/errors.js';
import { storageError } from './supabase-errors.js';
import { sliceSource } from './supabase-tus-source.js';

/** One object to send. */
export interface TusInput {
  url: string;
  anonKey: string;
  /** The access token for the next request; `refresh` after the server refused the last one as expired. */
  token(refresh: boolean): Promise<string>;
  /** False for a fixed CI token: an expired one is then final. */
  canRefresh: boolean;
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
      // One source for every start(): a retry resumes where the refused PATCH began.
      const source = sliceSource(reader, input.body.size, CHUNK);
      let refreshNext = false;
      const upload = new Upload(Buffer.alloc(0), {
        fileReader: { openFile: () => Promise.resolve(source) },
        endpoint: `${input.url}/storage/v1/upload/resumable`,
        headers: { apikey: input.anonKey, 'x-upsert': 'false' },
        chunkSize: CHUNK,
        uploadSize: input.body.size,
        uploadDataDuringCreation: true,
        removeFingerprintOnSuccess: true,
        storeFingerprintForResuming: false,
        // One retry, and only of a request refused for an expired token (tus resets the count
        // once the upload moves on): anything else is not cured by sending again.
        retryDelays: [0],
        onShouldRetry: (error) => (refreshNext = input.canRefresh && isExpiredToken(error)),
        onBeforeRequest: async (req) => {
          const refresh = refreshNext;
          refreshNext = false;
          req.setHeader('Authorization', `Bearer ${await input.token(refresh)}`);
        },
        metadata: { bucketName: input.bucket, objectName: input.key, contentType: input.contentType, cacheControl: '3600' },
        onSuccess: () => resolve(200),
        onError: (error) => {
          const status = (error as DetailedError).originalResponse?.getStatus() ?? 0;
          if (status === 409 || status === 415) resolve(status);
          else reject(tusError(error as DetailedError, input));
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

/** Storage refuses an expired JWT with AccessDenied and jose's '"exp" claim timestamp check failed'. */
function isExpiredToken(error: Error): boolean {
  const res = (error as DetailedError).originalResponse;
  const status = res?.getStatus() ?? 0;
  if (status !== 401 && status !== 403) return false;
  const body = String(res?.getBody() ?? '');
  // The body is JSON: the quotes around "exp" arrive escaped.
  return /exp\W{0,4}claim|jwt expired|token is expired|InvalidJWT/i.test(body);
}

function tusError(error: DetailedError, input: TusInput): ExaiError {
  // A failed refresh inside onBeforeRequest arrives wrapped: it already says what to do.
  if (isExaiError(error.causingError)) return error.causingError;
  if (isExpiredToken(error)) {
    return new ExaiError('AUTH_REQUIRED', `the access token expired during the archive upload of ${input.key}`, {
      status: error.originalResponse?.getStatus(),
      hint: input.canRefresh
        ? 'run `exai login` again: the session could not be refreshed'
        : 'EXAI_ACCESS_TOKEN cannot be refreshed: give CI a token that outlives the upload (raise the JWT expiry or mint it just before), or use `exai login`',
    });
  }
  return storageError({ message: error.message.split('\n')[0] ?? 'TUS upload failed', status: error.originalResponse?.getStatus() ?? 0 }, input.key);
}

/** A timer that stops the upload when its deadline passes (a hung connect or a stalled PATCH). */
function startDeadline(input: TusInput, stop: (reason: Error) => void): NodeJS.Timeout | undefined {
  const ms = input.deadlineMs;
  if (ms === undefined) return undefined;
  const timer = setTimeout(() => stop(new ExaiError('CATALOG_ERROR', `archive upload of ${input.key} did not finish within ${ms} ms (http.requestDeadline)`, { retryable: true, hint: DEADLINE_HINT })), ms);
  timer.unref();
  return timer;
}
