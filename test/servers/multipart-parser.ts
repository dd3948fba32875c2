/**
 * A small streaming multipart/form-data parser for the fake providers: it hashes file parts
 * as they arrive (never holding a whole file in memory) and keeps small text fields.
 * Strict on purpose: a body whose boundary does not match the header fails, as on a real server.
 */
import { createHash, type Hash } from 'node:crypto';

export interface ParsedPart {
  name: string;
  filename?: string | undefined;
  contentType?: string | undefined;
  bytes: number;
  sha256: string;
  /** The text of a non-file part (first 64 KiB). */
  value?: string | undefined;
}

/** Thrown when the body is not valid multipart for the given boundary. */
export class MultipartError extends Error {}

const MAX_HEADER_BYTES = 16 * 1024;
const MAX_FIELD_BYTES = 64 * 1024;

/** The boundary parameter of a multipart/form-data Content-Type, or undefined. */
export function boundaryOf(contentType: string | undefined): string | undefined {
  if (contentType === undefined || !/^multipart\/form-data\s*(;|$)/i.test(contentType)) return undefined;
  const match = /;\s*boundary=(?:"([^"]+)"|([^;\s]+))/i.exec(contentType);
  return match?.[1] ?? match?.[2];
}

class PartBuilder {
  private readonly hash: Hash = createHash('sha256');
  private bytes = 0;
  private readonly text: Buffer[] = [];
  constructor(private readonly headers: Map<string, string>) {}

  feed(chunk: Buffer): void {
    if (chunk.length === 0) return;
    this.hash.update(chunk);
    if (this.bytes < MAX_FIELD_BYTES) this.text.push(chunk);
    this.bytes += chunk.length;
  }

  finish(): ParsedPart {
    const disposition = this.headers.get('content-disposition') ?? '';
    const name = /(?:^|;)\s*name="([^"]*)"/i.exec(disposition)?.[1];
    if (name === undefined) throw new MultipartError('part without a name');
    const filename = /;\s*filename="([^"]*)"/i.exec(disposition)?.[1];
    return {
      name,
      filename,
      contentType: this.headers.get('content-type'),
      bytes: this.bytes,
      sha256: this.hash.digest('hex'),
      value: filename === undefined ? Buffer.concat(this.text).toString('utf8').slice(0, MAX_FIELD_BYTES) : undefined,
    };
  }
}

type State = 'preamble' | 'after-delimiter' | 'headers' | 'body' | 'done';

/** Parse a multipart body from a stream; resolves with every part once the closing delimiter arrives. */
export async function parseMultipart(stream: AsyncIterable<Buffer>, boundary: string): Promise<ParsedPart[]> {
  const delimiter = Buffer.from(`\r\n--${boundary}`);
  const parts: ParsedPart[] = [];
  // The first delimiter has no leading CRLF; pretend it had one so one search finds all.
  let buf: Buffer = Buffer.from('\r\n');
  let state = 'preamble' as State;
  let part: PartBuilder | undefined;

  const step = (): boolean => {
    switch (state) {
      case 'preamble': {
        const i = buf.indexOf(delimiter);
        if (i < 0) return false;
        buf = buf.subarray(i + delimiter.length);
        state = 'after-delimiter';
        return true;
      }
      case 'after-delimiter': {
        if (buf.length < 2) return false;
        const two = buf.subarray(0, 2).toString('latin1');
        if (two === '--') {
          state = 'done';
          return false;
        }
        if (two !== '\r\n') throw new MultipartError('malformed delimiter line');
        buf = buf.subarray(2);
        state = 'headers';
        return true;
      }
      case 'headers': {
        const i = buf.indexOf('\r\n\r\n');
        if (i < 0) {
          if (buf.length > MAX_HEADER_BYTES) throw new MultipartError('part headers too long');
          return false;
        }
        part = new PartBuilder(parseHeaders(buf.subarray(0, i).toString('utf8')));
        buf = buf.subarray(i + 4);
        state = 'body';
        return true;
      }
      case 'body': {
        const i = buf.indexOf(delimiter);
        if (i < 0) {
          // Keep a tail that might be the start of a delimiter split across chunks.
          const keep = delimiter.length - 1;
          if (buf.length > keep) {
            part?.feed(buf.subarray(0, buf.length - keep));
            buf = buf.subarray(buf.length - keep);
          }
          return false;
        }
        part?.feed(buf.subarray(0, i));
        if (part !== undefined) parts.push(part.finish());
        part = undefined;
        buf = buf.subarray(i + delimiter.length);
        state = 'after-delimiter';
        return true;
      }
      case 'done':
        return false;
    }
  };

  for await (const chunk of stream) {
    if (state === 'done') continue; // epilogue: ignored, but drained
    buf = buf.length === 0 ? chunk : Buffer.concat([buf, chunk]);
    while (step()) {
      // keep stepping while progress is made
    }
  }
  if (state !== 'done') throw new MultipartError('multipart body ended before the closing delimiter');
  return parts;
}

function parseHeaders(block: string): Map<string, string> {
  const headers = new Map<string, string>();
  for (const line of block.split('\r\n')) {
    const colon = line.indexOf(':');
    if (colon > 0) headers.set(line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim());
  }
  return headers;
}
