import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createDispatcher, parseRetryAfter, sendRequest } from '../../../src/core/http.js';
import { KimiProvider } from '../../../src/providers/kimi.js';
import { makeTempDir, makeTestFile } from '../../servers/upload-fixtures.js';

const KEY = 'sk-redirect-test-0123456789';
const servers: Server[] = [];
const HTTP = { connectTimeoutMs: 2000, headersTimeoutMs: 2000, bodyTimeoutMs: 2000 };

afterEach(async () => {
  for (const s of servers.splice(0)) {
    s.closeAllConnections();
    await new Promise((resolve) => s.close(resolve));
  }
});

async function listen(handler: Parameters<typeof createServer>[1]): Promise<string> {
  const server = createServer(handler);
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

describe('redirects', () => {
  it('refuses a 307 to another port, which never sees the Authorization header', async () => {
    const seenByTarget: IncomingHttpHeaders[] = [];
    const target = await listen((req, res) => {
      seenByTarget.push(req.headers);
      req.resume();
      res.end('{"id":"stolen"}');
    });
    const origin = await listen((req, res) => {
      req.resume();
      res.writeHead(307, { location: `${target}/v1/files` }).end();
    });
    const dispatcher = createDispatcher(HTTP);
    const temp = await makeTempDir();
    try {
      const file = await makeTestFile(temp.dir, 'r.pdf', Buffer.from('%PDF-1.4'));
      const provider = new KimiProvider({ apiKey: KEY, baseUrl: `${origin}/v1`, dispatcher });
      const error = await provider.upload(file.request('file-extract')).catch((e: unknown) => e);
      expect(error).toMatchObject({ name: 'PROVIDER_BAD_RESPONSE', status: 307, message: expect.stringContaining('refused redirect') as unknown });
      expect(seenByTarget).toEqual([]);
    } finally {
      await dispatcher.close();
      await temp.cleanup();
    }
  });
});

describe('network failures', () => {
  it('maps a refused connection to a retryable PROVIDER_UNAVAILABLE', async () => {
    const url = await listen(() => undefined);
    const server = servers.pop();
    await new Promise((resolve) => server?.close(resolve));
    const dispatcher = createDispatcher(HTTP);
    try {
      const error = await sendRequest({ dispatcher, service: 'kimi', method: 'GET', url: `${url}/v1/files`, headers: { authorization: `Bearer ${KEY}` } }).catch((e: unknown) => e);
      expect(error).toMatchObject({ name: 'PROVIDER_UNAVAILABLE', retryable: true, details: { network_code: 'ECONNREFUSED' } });
      expect(JSON.stringify(error)).not.toContain(KEY);
    } finally {
      await dispatcher.close();
    }
  });

  it('maps a server that never answers to a retryable headers timeout', async () => {
    const url = await listen((req) => req.resume());
    const dispatcher = createDispatcher({ ...HTTP, headersTimeoutMs: 150 });
    try {
      const error = await sendRequest({ dispatcher, service: 'glm', method: 'GET', url }).catch((e: unknown) => e);
      expect(error).toMatchObject({ name: 'PROVIDER_UNAVAILABLE', retryable: true, details: { network_code: 'UND_ERR_HEADERS_TIMEOUT' } });
    } finally {
      await dispatcher.close();
    }
  });

  it('maps a connection closed in the middle of the response body to a retryable error', async () => {
    const url = await listen((req, res) => {
      req.resume();
      res.writeHead(200, { 'content-length': '1000' });
      res.write('{"id":');
      setTimeout(() => res.destroy(), 20);
    });
    const dispatcher = createDispatcher(HTTP);
    try {
      await expect(sendRequest({ dispatcher, service: 'kimi', method: 'GET', url })).rejects.toMatchObject({ name: 'PROVIDER_UNAVAILABLE', retryable: true });
    } finally {
      await dispatcher.close();
    }
  });

  it('reports an aborted request as INTERRUPTED, not as a provider failure', async () => {
    const url = await listen((req) => req.resume());
    const dispatcher = createDispatcher(HTTP);
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 30);
    try {
      await expect(sendRequest({ dispatcher, service: 'kimi', method: 'GET', url, signal: controller.signal })).rejects.toMatchObject({ name: 'INTERRUPTED' });
    } finally {
      await dispatcher.close();
    }
  });
});

describe('parseRetryAfter', () => {
  const now = Date.parse('2026-01-01T00:00:00Z');
  it('reads delta seconds, HTTP dates and retry-after-ms', () => {
    expect(parseRetryAfter({ 'retry-after': '3' }, now)).toBe(3000);
    expect(parseRetryAfter({ 'retry-after': '1.5' }, now)).toBe(1500);
    expect(parseRetryAfter({ 'retry-after': 'Thu, 01 Jan 2026 00:00:10 GMT' }, now)).toBe(10_000);
    expect(parseRetryAfter({ 'retry-after-ms': '250', 'retry-after': '9' }, now)).toBe(250);
  });
  it('ignores garbage, negative and past values', () => {
    expect(parseRetryAfter({ 'retry-after': 'soon' }, now)).toBeUndefined();
    expect(parseRetryAfter({ 'retry-after': '-5' }, now)).toBeUndefined();
    expect(parseRetryAfter({ 'retry-after': 'Wed, 31 Dec 2025 23:00:00 GMT' }, now)).toBeUndefined();
    expect(parseRetryAfter({}, now)).toBeUndefined();
  });
});
