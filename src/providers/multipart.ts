/**
 * The multipart body for `POST /files`: fields `purpose` and `file`, streamed from a freshly
 * opened file with an exact Content-Length. The Content-Type (with its boundary) comes from
 * form-data itself: a hand-set `multipart/form-data` would lose the boundary (facts §4).
 */
import { PassThrough, Transform, type Readable, type TransformCallback } from 'node:stream';
import FormData from 'form-data';
import { ExaiError } from '../core/errors.js';
import type { UploadRequest } from './types.js';

export interface MultipartBody {
  body: Readable;
  /** content-type (with boundary) and content-length. */
  headers: Record<string, string>;
  /** Release the file if the request ended early. */
  dispose(): void;
}

/** Open the file (again) and wrap it in a multipart body of exactly known length. */
export async function buildMultipartBody(request: UploadRequest): Promise<MultipartBody> {
  const { body: file } = request;
  const source = await file.open();
  const counted = source.pipe(countBytes(file.size, request.onProgress));
  source.on('error', (error) => counted.destroy(error));
  const form = new FormData();
  form.append('purpose', request.purpose);
  form.append('file', counted, {
    filename: escapeFilename(file.filename),
    contentType: file.mimeType || 'application/octet-stream',
    knownLength: file.size,
  });
  // form-data is a legacy stream (no error forwarding through pipe); a PassThrough gives
  // undici a modern Readable and lets us carry errors across.
  const out = new PassThrough();
  form.on('error', (error: Error) => out.destroy(error));
  counted.on('error', (error) => out.destroy(error));
  form.pipe(out);
  return {
    body: out,
    headers: { ...form.getHeaders(), 'content-length': String(form.getLengthSync()) },
    dispose: () => {
      source.destroy();
      counted.destroy();
    },
  };
}

/**
 * Count bytes as the request consumes them (progress), and fail the request if the file
 * yields a different number of bytes than promised: Content-Length would be a lie.
 */
function countBytes(expected: number, onProgress: ((sent: number) => void) | undefined): Transform {
  let sent = 0;
  return new Transform({
    transform(chunk: Buffer, _encoding, callback: TransformCallback) {
      sent += chunk.length;
      if (sent > expected) return callback(changedError(expected, sent));
      onProgress?.(sent);
      callback(null, chunk);
    },
    flush(callback: TransformCallback) {
      callback(sent === expected ? null : changedError(expected, sent));
    },
  });
}

function changedError(expected: number, got: number): ExaiError {
  return new ExaiError('FILE_CHANGED', `the file changed while it was being uploaded (expected ${expected} bytes, read ${got})`, {
    hint: 'make sure nothing writes to the file during the upload, then try again',
  });
}

/** Escape like the WHATWG FormData does, so a quote or newline in a name cannot break the part header. */
export function escapeFilename(name: string): string {
  // form-data drops the filename attribute when it is empty, and the part would read as a field.
  if (name === '') return 'file';
  return name.replace(/\r/g, '%0D').replace(/\n/g, '%0A').replace(/"/g, '%22');
}
