import { Agent } from 'undici';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { GlmProvider } from '../../../src/providers/glm.js';
import { startFakeProvider, type FakeProvider } from '../../servers/fake-provider.js';
import { makeTempDir, makeTestFile, patternBytes } from '../../servers/upload-fixtures.js';

const KEY = '0123456789abcdef0123456789abcdef.AbCdEfGhIjKlMnOp';
let dispatcher: Agent;
let server: FakeProvider;
let temp: Awaited<ReturnType<typeof makeTempDir>>;

beforeAll(async () => {
  dispatcher = new Agent();
  temp = await makeTempDir();
});
afterAll(async () => {
  await dispatcher.close();
  await temp.cleanup();
});
beforeEach(async () => {
  server = await startFakeProvider({ kind: 'glm', apiKey: KEY });
});
afterEach(async () => {
  await server.close();
});

// The dispatcher may also be given lazily, as the registry does.
const glm = () => new GlmProvider({ apiKey: KEY, baseUrl: `${server.url}/`, dispatcher: () => dispatcher });

describe('GlmProvider.upload', () => {
  it('uploads with file + purpose multipart fields under /api/paas/v4/files', async () => {
    const file = await makeTestFile(temp.dir, 'data.jsonl', Buffer.from('{"custom_id":"1"}\n'), 'application/jsonl');
    const remote = await glm().upload(file.request('batch'));
    expect(remote).toMatchObject({ purpose: 'batch', bytes: file.size, filename: 'data.jsonl' });
    const [req] = server.requests;
    expect(req).toMatchObject({ path: '/api/paas/v4/files', purpose: 'batch', sha256: file.sha256, authorized: true });
    expect(req?.headers['content-type']).toMatch(/boundary=/);
    // An exact Content-Length, not chunked: some gateways refuse chunked uploads.
    expect(Number(req?.headers['content-length'])).toBeGreaterThan(file.size);
    expect(req?.headers['transfer-encoding']).toBeUndefined();
  });

  it('rejects "file", the purpose the source document invented, listing the documented ones', async () => {
    const file = await makeTestFile(temp.dir, 'x.pdf', Buffer.from('%PDF'));
    await expect(glm().upload(file.request('file'))).rejects.toMatchObject({
      name: 'INVALID_PURPOSE',
      message: expect.stringContaining('file-extract, batch, agent, code-interpreter') as unknown,
    });
    expect(server.requests).toHaveLength(0);
  });

  it('applies per-purpose limits: 21 MiB is fine for batch but too large for agent', async () => {
    const file = await makeTestFile(temp.dir, 'x.pdf', Buffer.from('%PDF'));
    const sized = (purpose: string) => ({ ...file.request(purpose), body: { ...file.body, size: 21 * 1024 * 1024 } });
    await expect(glm().upload(sized('agent'))).rejects.toMatchObject({ name: 'PROVIDER_FILE_TOO_LARGE', message: expect.stringContaining('at most 20.0 MiB for agent') as unknown });
    expect(server.requests).toHaveLength(0);
  });

  it('maps HTTP 435 to PROVIDER_FILE_TOO_LARGE (not retryable)', async () => {
    server.setFaults([{ kind: 'too-large-435' }]);
    const file = await makeTestFile(temp.dir, 'x.pdf', patternBytes(2048));
    await expect(glm().upload(file.request('file-extract'))).rejects.toMatchObject({ name: 'PROVIDER_FILE_TOO_LARGE', status: 435, retryable: false });
  });

  it('maps the fake server per-purpose 400 size error to PROVIDER_FILE_TOO_LARGE', async () => {
    await server.close();
    server = await startFakeProvider({ kind: 'glm', apiKey: KEY, limits: { agent: 100 } });
    const file = await makeTestFile(temp.dir, 'x.pdf', patternBytes(2048));
    await expect(glm().upload(file.request('agent'))).rejects.toMatchObject({ name: 'PROVIDER_FILE_TOO_LARGE', status: 400 });
  });

  it('maps HTTP 434 (no file-API permission) to PROVIDER_AUTH_FAILED', async () => {
    server.setFaults([{ kind: 'reply', status: 434, body: { error: { code: '1220', message: 'no permission' } } }]);
    const file = await makeTestFile(temp.dir, 'x.pdf', Buffer.from('%PDF'));
    await expect(glm().upload(file.request('file-extract'))).rejects.toMatchObject({ name: 'PROVIDER_AUTH_FAILED', retryable: false });
  });

  it('treats code 1113 (arrears) and 1308 (usage limit) as quota exhausted, 1302 as a retryable rate limit', async () => {
    const file = await makeTestFile(temp.dir, 'x.pdf', Buffer.from('%PDF'));
    server.setFaults([
      { kind: 'quota' },
      { kind: 'reply', status: 429, body: { error: { code: '1308', message: 'Usage limit reached for 5 hour' } } },
      { kind: 'rate-limit', retryAfter: '7' },
    ]);
    await expect(glm().upload(file.request('file-extract'))).rejects.toMatchObject({ name: 'PROVIDER_QUOTA_EXHAUSTED', retryable: false });
    await expect(glm().upload(file.request('file-extract'))).rejects.toMatchObject({ name: 'PROVIDER_QUOTA_EXHAUSTED' });
    await expect(glm().upload(file.request('file-extract'))).rejects.toMatchObject({ name: 'PROVIDER_RATE_LIMITED', retryable: true, retryAfterMs: 7000 });
  });
});

describe('GlmProvider.list and delete', () => {
  it('follows has_more pages with after= and limit=', async () => {
    for (let i = 0; i < 130; i++) {
      server.files.set(`file-${String(i).padStart(3, '0')}`, { id: `file-${String(i).padStart(3, '0')}`, object: 'file', bytes: i, created_at: 1, filename: `f${i}`, purpose: 'batch', sha256: '' });
    }
    const all = await glm().list({ purpose: 'batch' });
    expect(all).toHaveLength(130);
    expect(new Set(all.map((f) => f.id)).size).toBe(130);
    const paths = server.requests.map((r) => r.path);
    expect(paths).toEqual(['/api/paas/v4/files?purpose=batch&limit=100', '/api/paas/v4/files?purpose=batch&limit=100&after=file-099']);
    expect(await glm().list({ limit: 5 })).toHaveLength(5);
  });

  it('deletes a file; a second delete of the same id reports alreadyGone', async () => {
    const file = await makeTestFile(temp.dir, 'x.pdf', Buffer.from('%PDF'));
    const remote = await glm().upload(file.request('file-extract'));
    await expect(glm().delete(remote.id)).resolves.toEqual({ alreadyGone: false });
    await expect(glm().delete(remote.id)).resolves.toEqual({ alreadyGone: true });
    expect(server.files.size).toBe(0);
  });

  it('reports a list body without data[] as PROVIDER_BAD_RESPONSE', async () => {
    server.setFaults([{ kind: 'reply', status: 200, body: { object: 'list' } }]);
    await expect(glm().list()).rejects.toMatchObject({ name: 'PROVIDER_BAD_RESPONSE', retryable: true });
  });
});
