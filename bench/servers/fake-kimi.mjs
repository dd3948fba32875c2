/**
 * A strict, streaming fake of Kimi's `POST /v1/files` for the upload benchmarks: Bearer auth,
 * multipart/form-data with a boundary and an exact Content-Length, fields `purpose` and
 * `file`, purpose checked, bytes counted and hashed as they arrive (never buffered whole, so
 * the server's own memory doesn't blur the client's). Optional latency per request.
 */
import { createHash, randomBytes } from 'node:crypto';
import { createServer } from 'node:http';

const PURPOSES = new Set(['file-extract', 'image', 'video', 'batch']);

/** Start on 127.0.0.1; resolves to { url, uploads: [{bytes, sha256, purpose}], close() }. */
export async function startFakeKimi({ apiKey, latencyMs = 0 }) {
  const uploads = [];
  const server = createServer((req, res) => {
    handle(req, res).catch((error) => reply(res, 400, { error: { type: 'invalid_request_error', message: String(error.message) } }));
  });
  async function handle(req, res) {
    if (latencyMs > 0) await new Promise((r) => setTimeout(r, latencyMs));
    if (req.headers.authorization !== `Bearer ${apiKey}`) return drainThen(req, () => reply(res, 401, { error: { type: 'invalid_authentication_error', message: 'bad key' } }));
    if (req.method !== 'POST' || req.url !== '/v1/files') return drainThen(req, () => reply(res, 404, { error: { type: 'not_found', message: 'no route' } }));
    const boundary = /^multipart\/form-data;\s*boundary=("?)([^";]+)\1/i.exec(req.headers['content-type'] ?? '')?.[2];
    if (!boundary) return drainThen(req, () => reply(res, 400, { error: { type: 'invalid_request_error', message: 'multipart boundary missing' } }));
    const parts = await parseMultipart(req, boundary);
    const purpose = parts.find((p) => p.name === 'purpose')?.text;
    const file = parts.find((p) => p.name === 'file' && p.filename);
    if (!file || !purpose) return reply(res, 400, { error: { type: 'invalid_request_error', message: 'file and purpose are required' } });
    if (!PURPOSES.has(purpose)) return reply(res, 400, { error: { type: 'invalid_request_error', message: `invalid purpose ${purpose}` } });
    const id = `c${randomBytes(10).toString('hex')}`;
    uploads.push({ id, bytes: file.bytes, sha256: file.sha256, purpose });
    reply(res, 200, { id, object: 'file', bytes: file.bytes, created_at: Math.floor(Date.now() / 1000), filename: file.filename, purpose, status: 'ok' });
  }
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();
  return {
    url: `http://127.0.0.1:${port}/v1`,
    uploads,
    close: () => new Promise((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  };
}

function reply(res, status, body) {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

function drainThen(req, fn) {
  req.resume();
  req.on('end', fn);
}

/** Streaming multipart parser: parts as { name, filename?, text?, bytes, sha256 }. */
async function parseMultipart(req, boundary) {
  const delimiter = Buffer.from(`\r\n--${boundary}`);
  const parts = [];
  let pending = Buffer.alloc(0);
  let state = 'preamble';
  let part;
  let received = 0;
  for await (const chunk of req) {
    received += chunk.length;
    pending = pending.length ? Buffer.concat([pending, chunk]) : chunk;
    for (;;) {
      if (state === 'preamble') {
        const start = Buffer.from(`--${boundary}\r\n`);
        if (pending.length < start.length) break;
        if (!pending.subarray(0, start.length).equals(start)) throw new Error('body does not start with the boundary');
        pending = pending.subarray(start.length);
        state = 'headers';
      } else if (state === 'headers') {
        const end = pending.indexOf('\r\n\r\n');
        if (end < 0) break;
        part = startPart(pending.subarray(0, end).toString('utf8'));
        pending = pending.subarray(end + 4);
        state = 'body';
      } else if (state === 'body') {
        const at = pending.indexOf(delimiter);
        if (at < 0) {
          const keep = Math.min(pending.length, delimiter.length + 2);
          feed(part, pending.subarray(0, pending.length - keep));
          pending = pending.subarray(pending.length - keep);
          break;
        }
        feed(part, pending.subarray(0, at));
        parts.push(finish(part));
        pending = pending.subarray(at + delimiter.length);
        state = 'after';
      } else if (state === 'after') {
        if (pending.length < 2) break;
        const next = pending.subarray(0, 2).toString();
        pending = pending.subarray(2);
        if (next === '--') state = 'done';
        else if (next === '\r\n') state = 'headers';
        else throw new Error('malformed delimiter');
      } else break;
    }
  }
  if (state !== 'done') throw new Error('multipart body ended before the closing boundary');
  const declared = req.headers['content-length'];
  if (declared !== undefined && Number(declared) !== received) throw new Error('Content-Length does not match the body');
  return parts;
}

function startPart(headerText) {
  const disposition = /content-disposition:\s*form-data;([^\r\n]*)/i.exec(headerText)?.[1] ?? '';
  const name = /\bname="([^"]*)"/.exec(disposition)?.[1];
  const filename = /\bfilename="([^"]*)"/.exec(disposition)?.[1];
  if (!name) throw new Error('part without a name');
  return { name, filename, hash: createHash('sha256'), bytes: 0, chunks: filename ? undefined : [] };
}

function feed(part, data) {
  if (data.length === 0) return;
  part.bytes += data.length;
  part.hash.update(data);
  if (part.chunks) part.chunks.push(Buffer.from(data));
}

function finish(part) {
  return { name: part.name, filename: part.filename, bytes: part.bytes, sha256: part.hash.digest('hex'), text: part.chunks ? Buffer.concat(part.chunks).toString('utf8') : undefined };
}
