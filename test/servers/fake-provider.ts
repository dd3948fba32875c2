/**
 * Fake Kimi / GLM file APIs on 127.0.0.1 that follow the documented APIs strictly (Bearer
 * auth, multipart with a boundary, `file` + `purpose`, purpose enum, size limits, list and
 * delete shapes) and can inject the failures real ones have (429, 5xx, resets, slow or bad bodies).
 */
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { BASE_PATH, DEFAULT_LIMITS, errorReply, type FakeKind, type FakeReply } from './fake-provider-shapes.js';
import { boundaryOf, MultipartError, parseMultipart, type ParsedPart } from './multipart-parser.js';

export type { FakeKind } from './fake-provider-shapes.js';

/** One injected failure, used by exactly one request (or by all, with failAll). */
export type FakeFault =
  | { kind: 'rate-limit'; retryAfter?: string }
  | { kind: 'quota' }
  | { kind: 'server-error'; status?: 500 | 503 }
  | { kind: 'reset'; afterBytes?: number }
  | { kind: 'delay'; ms: number }
  /** Read the request body slowly (a pause per chunk): the client's socket fills up and waits. */
  | { kind: 'slow-read'; msPerChunk: number }
  | { kind: 'malformed-json' }
  | { kind: 'too-large-435' }
  /** Store the upload, then never answer: a client killed now leaves a file no row knows. */
  | { kind: 'store-then-hang' }
  | { kind: 'reply'; status: number; body?: unknown; headers?: Record<string, string> };

export interface RecordedRequest {
  method: string;
  /** Path and query as received. */
  path: string;
  /** Request headers without Authorization. */
  headers: Record<string, string | string[] | undefined>;
  authorized: boolean;
  fields: string[];
  purpose?: string | undefined;
  filename?: string | undefined;
  fileContentType?: string | undefined;
  bytes?: number | undefined;
  sha256?: string | undefined;
  /** False when the connection was reset before the body was read. */
  complete: boolean;
  status?: number;
}

export interface FakeFile {
  id: string;
  object: 'file';
  bytes: number;
  created_at: number;
  filename: string;
  purpose: string;
  status?: string;
  /** Not part of the API: what the server received, for assertions. */
  sha256: string;
}

export interface FakeProviderOptions {
  kind: FakeKind;
  apiKey: string;
  faults?: FakeFault[];
  /** Applied to every request once the queue is empty (breaker tests). */
  failAll?: FakeFault | undefined;
  latencyMs?: number;
  /** Override purpose limits (bytes), so limits can be tested with small files. */
  limits?: Record<string, number>;
}

export interface FakeProvider {
  kind: FakeKind;
  /** Base URL including /v1 or /api/paas/v4. */
  url: string;
  requests: RecordedRequest[];
  files: Map<string, FakeFile>;
  setFaults(faults: FakeFault[]): void;
  setFailAll(fault: FakeFault | undefined): void;
  setLatency(ms: number): void;
  close(): Promise<void>;
}

/** Start a fake provider on an ephemeral 127.0.0.1 port. */
export async function startFakeProvider(options: FakeProviderOptions): Promise<FakeProvider> {
  const { kind } = options;
  const state = {
    faults: [...(options.faults ?? [])],
    failAll: options.failAll,
    latencyMs: options.latencyMs ?? 0,
    limits: { ...DEFAULT_LIMITS[kind], ...options.limits },
  };
  const requests: RecordedRequest[] = [];
  const files = new Map<string, FakeFile>();
  const server = createServer((req, res) => {
    handle(req, res).catch(() => res.destroy());
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const { authorization, ...headers } = req.headers;
    const rec: RecordedRequest = { method: req.method ?? '', path: req.url ?? '', headers, authorized: authorization === `Bearer ${options.apiKey}`, fields: [], complete: false };
    requests.push(rec);
    if (state.latencyMs > 0) await sleep(state.latencyMs);
    let fault = state.faults.shift() ?? state.failAll;
    if (fault?.kind === 'delay') {
      await sleep(fault.ms);
      fault = undefined;
    }
    if (fault?.kind === 'reset') return resetMidBody(req, fault.afterBytes ?? 1024);
    const reply = await route(req, rec, fault);
    rec.status = reply.status;
    if (fault?.kind === 'store-then-hang') return; // the connection stays open, unanswered
    if (fault?.kind === 'malformed-json' && reply.status < 300) return send(res, reply.status, '{"id": "file-', {});
    send(res, reply.status, reply.raw ?? JSON.stringify(reply.body), reply.headers ?? {});
  }

  async function route(req: IncomingMessage, rec: RecordedRequest, fault: FakeFault | undefined): Promise<FakeReply> {
    const url = new URL(req.url ?? '/', 'http://fake');
    const base = BASE_PATH[kind];
    const parsed = req.method === 'POST' ? await readUpload(req, rec, fault) : await drain(req);
    rec.complete = true;
    const injected = faultReply(fault);
    if (injected !== undefined) return injected;
    if (!rec.authorized) return errorReply(kind, 'unauthorized');
    if (url.pathname === `${base}/files`) {
      if (req.method === 'POST') return upload(parsed);
      if (req.method === 'GET') return list(url.searchParams);
    }
    const id = url.pathname.startsWith(`${base}/files/`) ? decodeURIComponent(url.pathname.slice(base.length + 7)) : undefined;
    if (id?.endsWith('/content') && req.method === 'GET') return contentReply(id.slice(0, -'/content'.length));
    if (id !== undefined && req.method === 'DELETE') {
      if (!files.delete(id)) return errorReply(kind, 'not-found');
      return { status: 200, body: { id, object: 'file', deleted: true } };
    }
    return errorReply(kind, 'not-found');
  }

  function faultReply(fault: FakeFault | undefined): FakeReply | undefined {
    switch (fault?.kind) {
      case 'rate-limit':
        return { ...errorReply(kind, 'rate-limit'), headers: fault.retryAfter === undefined ? {} : { 'retry-after': fault.retryAfter } };
      case 'quota':
        return errorReply(kind, 'quota');
      case 'server-error':
        return errorReply(kind, fault.status === 503 ? 'unavailable' : 'server-error');
      case 'too-large-435':
        return errorReply('glm', 'too-large', '435');
      case 'reply':
        return { status: fault.status, body: fault.body ?? {}, headers: fault.headers ?? {} };
      default:
        return undefined;
    }
  }

  function upload(parsed: ParsedPart[] | FakeReply): FakeReply {
    if (!Array.isArray(parsed)) return parsed;
    const purpose = parsed.find((p) => p.name === 'purpose')?.value;
    const file = parsed.find((p) => p.name === 'file' && p.filename !== undefined);
    if (purpose === undefined || file === undefined) return errorReply(kind, 'missing-field', 'file and purpose are required');
    const limit = state.limits[purpose];
    if (limit === undefined) return errorReply(kind, 'invalid-purpose', purpose);
    if (kind === 'glm' && file.bytes > 100 * 1024 * 1024) return errorReply(kind, 'too-large', '435');
    if (file.bytes > limit) return errorReply(kind, 'too-large', `${Math.round(limit / 1024 / 1024)}MB`);
    const id = kind === 'kimi' ? `c${randomBytes(10).toString('hex')}` : `file-${Date.now()}-${randomBytes(6).toString('hex')}`;
    const created: FakeFile = { id, object: 'file', bytes: file.bytes, created_at: Math.floor(Date.now() / 1000), filename: file.filename ?? '', purpose, sha256: file.sha256, ...(kind === 'kimi' ? { status: 'ok' } : {}) };
    files.set(id, created);
    return { status: 200, body: publicFile(created) };
  }

  /** The "extracted text": Kimi wraps it in an (undocumented) JSON object, GLM sends it as bytes. */
  function contentReply(id: string): FakeReply {
    const file = files.get(id);
    if (file === undefined) return errorReply(kind, 'not-found');
    const text = extractedText(file);
    if (kind === 'glm') return { status: 200, raw: text, headers: { 'content-type': 'application/octet-stream' } };
    const raw = JSON.stringify({ content: text, file_type: 'application/pdf', filename: file.filename, title: '', type: 'file' });
    return { status: 200, raw, headers: { 'content-type': 'text/plain' } };
  }

  function list(query: URLSearchParams): FakeReply {
    const all = [...files.values()];
    if (kind === 'kimi') return { status: 200, body: { object: 'list', data: all.map(publicFile) } };
    const purpose = query.get('purpose');
    const limit = Number(query.get('limit') ?? '20');
    if (!Number.isInteger(limit) || limit < 1 || limit > 100) return errorReply(kind, 'bad-list-param', 'limit must be 1..100');
    const matching = all.filter((f) => purpose === null || f.purpose === purpose);
    const after = query.get('after');
    const start = after === null ? 0 : matching.findIndex((f) => f.id === after) + 1;
    const page = matching.slice(start, start + limit);
    return { status: 200, body: { object: 'list', data: page.map(publicFile), has_more: start + limit < matching.length } };
  }

  function readUpload(req: IncomingMessage, rec: RecordedRequest, fault: FakeFault | undefined): Promise<ParsedPart[] | FakeReply> {
    const boundary = boundaryOf(req.headers['content-type']);
    if (boundary === undefined) return Promise.resolve(drain(req)).then(() => errorReply(kind, 'bad-multipart', 'Content-Type must be multipart/form-data with a boundary'));
    const source = fault?.kind === 'slow-read' ? readSlowly(req, fault.msPerChunk) : req;
    return parseMultipart(source, boundary).then(
      (parts) => {
        const purpose = parts.find((p) => p.name === 'purpose');
        const file = parts.find((p) => p.name === 'file');
        Object.assign(rec, { fields: parts.map((p) => p.name), purpose: purpose?.value, filename: file?.filename, fileContentType: file?.contentType, bytes: file?.bytes, sha256: file?.sha256 });
        return parts;
      },
      (error: unknown) => {
        if (!(error instanceof MultipartError)) throw error;
        req.resume();
        return errorReply(kind, 'bad-multipart', 'could not parse the multipart body');
      },
    );
  }

  function setFaults(faults: FakeFault[]): void {
    state.faults = [...faults];
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    kind,
    url: `http://127.0.0.1:${port}${BASE_PATH[kind]}`,
    requests,
    files,
    setFaults,
    setFailAll: (fault) => (state.failAll = fault),
    setLatency: (ms) => (state.latencyMs = ms),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** What the fake "extracts" from a file: a line naming it, so tests can tell files apart. */
export function extractedText(file: Pick<FakeFile, 'filename' | 'bytes' | 'sha256'>): string {
  return `extracted text of ${file.filename} (${file.bytes} bytes, sha256 ${file.sha256})`;
}

function publicFile(file: FakeFile): Omit<FakeFile, 'sha256'> {
  const { sha256: _sha256, ...rest } = file;
  return rest;
}

function send(res: ServerResponse, status: number, body: string, headers: Record<string, string>): void {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(body);
}

async function drain(req: IncomingMessage): Promise<never[]> {
  for await (const _chunk of req) {
    // discard
  }
  return [];
}

/** Read some of the body, then drop the connection: what a proxy or a crashed node does. */
function resetMidBody(req: IncomingMessage, afterBytes: number): void {
  let seen = 0;
  const drop = (): void => {
    req.socket.destroy();
  };
  req.on('data', (chunk: Buffer) => {
    seen += chunk.length;
    if (seen >= afterBytes) drop();
  });
  req.on('end', drop);
}

async function* readSlowly(req: IncomingMessage, msPerChunk: number): AsyncGenerator<Buffer> {
  for await (const chunk of req as AsyncIterable<Buffer>) {
    await sleep(msPerChunk);
    yield chunk;
  }
}
