/**
 * The multipart body for `POST /files`: fields `purpose` and `file`, with an exact
 * Content-Length. form-data writes the framing — boundary, part headers, the Content-Type
 * that carries the boundary (a hand-set `multipart/form-data` would lose it, facts §4) — and
 * the file's bytes go straight from the verified reader to undici, with no stream hops
 * between them: the same bytes form-data would stream, without a copy per hop.
 */
import FormData from 'form-data';
import { ExaiError } from '../core/errors.js';
import type { BodyReader, UploadRequest } from './types.js';

export interface MultipartBody {
  /** Head, then the file's chunks, then the closing boundary. */
  body: AsyncIterable<Buffer>;
  /** content-type (with boundary) and content-length. */
  headers: Record<string, string>;
  /** Release the file if the request ended early (safe to call in any case). */
  dispose(): Promise<void>;
}

/** Open the file (again) and frame it as a multipart body of exactly known length. */
export async function buildMultipartBody(request: UploadRequest): Promise<MultipartBody> {
  const { body: file } = request;
  const frame = frameFor(request.purpose, escapeFilename(file.filename), file.mimeType || 'application/octet-stream');
  const reader = await file.open();
  return {
    body: sendParts(frame, reader, file.size, request.onProgress),
    headers: { 'content-type': frame.contentType, 'content-length': String(frame.head.length + file.size + frame.tail.length) },
    dispose: () => reader.close(),
  };
}

interface Frame {
  head: Buffer;
  tail: Buffer;
  contentType: string;
}

/**
 * form-data's own rendering of the form with an empty file: everything before the file's
 * bytes is the head, the line break and closing boundary after them are the tail.
 */
function frameFor(purpose: string, filename: string, contentType: string): Frame {
  const form = new FormData();
  form.append('purpose', purpose);
  form.append('file', Buffer.alloc(0), { filename, contentType });
  const whole = form.getBuffer();
  const tail = Buffer.from(`\r\n--${form.getBoundary()}--\r\n`, 'latin1');
  if (!whole.subarray(whole.length - tail.length).equals(tail)) {
    throw new ExaiError('INTERNAL', 'form-data framed the upload in an unexpected way');
  }
  const headers = form.getHeaders() as Record<string, string>;
  return { head: whole.subarray(0, whole.length - tail.length), tail, contentType: String(headers['content-type']) };
}

/**
 * undici asks for the next chunk only once the socket took the last one (the reader's
 * contract). The bytes are counted as well: Content-Length must never be a lie, whatever the
 * reader does, so a body that runs long or short fails before the closing boundary is sent.
 */
async function* sendParts(frame: Frame, reader: BodyReader, size: number, onProgress: ((sent: number) => void) | undefined): AsyncGenerator<Buffer> {
  yield frame.head;
  let sent = 0;
  for await (const chunk of reader) {
    sent += chunk.length;
    if (sent > size) throw changedError(size, sent);
    onProgress?.(sent);
    yield chunk;
  }
  if (sent !== size) throw changedError(size, sent);
  yield frame.tail;
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
