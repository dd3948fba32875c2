import { Agent } from 'undici';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ExaiError } from '../../../src/core/errors.js';
import { KimiProvider } from '../../../src/providers/kimi.js';
import { startFakeProvider, type FakeProvider } from '../../servers/fake-provider.js';
import { makeTempDir, makeTestFile, patternBytes } from '../../servers/upload-fixtures.js';

const KEY = 'sk-kimi-test-0123456789abcdef';
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
  server = await startFakeProvider({ kind: 'kimi', apiKey: KEY });
});
afterEach(async () => {
  await server.close();
});

const kimi = (apiKey = KEY) => new KimiProvider({ apiKey, baseUrl: server.url, dispatcher });

describe('KimiProvider.upload', () => {
  it('sends file and purpose as multipart with a boundary and returns the file object', async () => {
    const file = await makeTestFile(temp.dir, 'report.pdf', patternBytes(300_000));
    const progress: number[] = [];
    const remote = await kimi().upload(file.request('file-extract', { onProgress: (n) => progress.push(n) }));

    expect(remote).toMatchObject({ bytes: file.size, filename: 'report.pdf', purpose: 'file-extract', status: 'ok' });
    expect(remote.id).toMatch(/^c[0-9a-f]+$/);
    const [req] = server.requests;
    expect(req?.headers['content-type']).toMatch(/^multipart\/form-data; boundary=\S+$/);
    expect(req).toMatchObject({ method: 'POST', path: '/v1/files', purpose: 'file-extract', filename: 'report.pdf', fileContentType: 'application/pdf', bytes: file.size, sha256: file.sha256, authorized: true });
    expect(req?.fields.sort()).toEqual(['file', 'purpose']);
    expect(progress.at(-1)).toBe(file.size);
  });

  it('accepts every documented purpose: file-extract, image, video, batch', async () => {
    const file = await makeTestFile(temp.dir, 'a.jsonl', Buffer.from('{"a":1}\n'), 'application/jsonl');
    for (const purpose of ['file-extract', 'image', 'video', 'batch']) {
      await expect(kimi().upload(file.request(purpose))).resolves.toMatchObject({ purpose });
    }
  });

  it('refuses an OpenAI-only purpose before sending anything, listing the valid ones', async () => {
    const file = await makeTestFile(temp.dir, 'x.pdf', Buffer.from('%PDF-1.4'));
    const error = await kimi().upload(file.request('assistants')).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ExaiError);
    expect(error).toMatchObject({ name: 'INVALID_PURPOSE', exitCode: 2 });
    expect((error as Error).message).toContain('file-extract, image, video, batch');
    expect(server.requests).toHaveLength(0);
    expect(file.opens()).toBe(0);
  });

  it('turns a wrong key into PROVIDER_AUTH_FAILED without retry and without the key in the message', async () => {
    const file = await makeTestFile(temp.dir, 'x.pdf', Buffer.from('%PDF-1.4'));
    const error = await kimi('sk-wrong-key-000000000000').upload(file.request('file-extract')).catch((e: unknown) => e);
    expect(error).toMatchObject({ name: 'PROVIDER_AUTH_FAILED', retryable: false, status: 401 });
    expect((error as Error).message).toContain('invalid_authentication_error');
    expect((error as ExaiError).hint).toContain('MOONSHOT_API_KEY');
  });

  it('maps the server-side 400 "File size is too large" to PROVIDER_FILE_TOO_LARGE', async () => {
    await server.close();
    server = await startFakeProvider({ kind: 'kimi', apiKey: KEY, limits: { 'file-extract': 1000 } });
    const file = await makeTestFile(temp.dir, 'big.pdf', patternBytes(5000));
    const error = await kimi().upload(file.request('file-extract')).catch((e: unknown) => e);
    expect(error).toMatchObject({ name: 'PROVIDER_FILE_TOO_LARGE', retryable: false, status: 400 });
    expect((error as Error).message).toContain('max file size is 100MB');
  });

  it('treats exceeded_current_quota_error as quota exhausted, not retryable', async () => {
    server.setFaults([{ kind: 'quota' }]);
    const file = await makeTestFile(temp.dir, 'x.pdf', Buffer.from('%PDF-1.4'));
    const error = await kimi().upload(file.request('file-extract')).catch((e: unknown) => e);
    expect(error).toMatchObject({ name: 'PROVIDER_QUOTA_EXHAUSTED', retryable: false, exitCode: 5 });
  });

  it('sends every byte intact to a server that reads slowly (the reader reuses its buffers)', async () => {
    // 8 MiB: far more than a loopback socket buffers, so the client waits on the socket
    // many times and each reused buffer must be taken by the socket before it is refilled.
    const file = await makeTestFile(temp.dir, 'big.pdf', patternBytes(8 * 1024 * 1024));
    server.setFaults([{ kind: 'slow-read', msPerChunk: 5 }]);
    const remote = await kimi().upload(file.request('file-extract'));
    expect(remote.bytes).toBe(file.size);
    expect(server.requests[0]).toMatchObject({ bytes: file.size, sha256: file.sha256 });
  });

  it('finds the file a garbled success stored in the listing, instead of sending it twice', async () => {
    server.setFaults([{ kind: 'malformed-json' }]);
    const file = await makeTestFile(temp.dir, 'x.pdf', Buffer.from('%PDF-1.4'));
    const remote = await kimi().upload(file.request('file-extract'));
    expect([...server.files.keys()]).toEqual([remote.id]);
    expect(remote).toMatchObject({ filename: 'x.pdf', bytes: file.size, purpose: 'file-extract' });
    expect(server.requests.map((r) => r.method)).toEqual(['POST', 'GET']);
  });

  it('keeps a garbled success that stored nothing a retryable PROVIDER_BAD_RESPONSE', async () => {
    server.setFaults([{ kind: 'reply', status: 200, body: 'not a file object' }]);
    const file = await makeTestFile(temp.dir, 'y.pdf', Buffer.from('%PDF-1.4'));
    const error = await kimi().upload(file.request('file-extract')).catch((e: unknown) => e);
    expect(error).toMatchObject({ name: 'PROVIDER_BAD_RESPONSE', retryable: true });
    expect(server.files.size).toBe(0);
  });

  it('sends nothing more when the listing holds several files that could be the garbled one', async () => {
    const file = await makeTestFile(temp.dir, 'twice.pdf', Buffer.from('%PDF-1.4 twice'));
    const earlier = await kimi().upload(file.request('file-extract'));
    server.setFaults([{ kind: 'malformed-json' }]);
    const error = await kimi().upload(file.request('file-extract')).catch((e: unknown) => e);
    expect(error).toMatchObject({ name: 'PROVIDER_BAD_RESPONSE', retryable: false, message: expect.stringContaining('not sending it again') as unknown });
    expect((error as ExaiError).details?.candidates).toEqual(expect.arrayContaining([earlier.id]));
    expect(server.files.size).toBe(2);
  });

  it('sends nothing more when the listing fails after a garbled success', async () => {
    server.setFaults([{ kind: 'malformed-json' }, { kind: 'server-error' }]);
    const file = await makeTestFile(temp.dir, 'z.pdf', Buffer.from('%PDF-1.4 z'));
    const error = await kimi().upload(file.request('file-extract')).catch((e: unknown) => e);
    expect(error).toMatchObject({ name: 'PROVIDER_BAD_RESPONSE', retryable: false, message: expect.stringContaining('file list could not be read') as unknown });
    expect(server.requests.filter((r) => r.method === 'POST')).toHaveLength(1);
  });

  it('fails with FILE_CHANGED when the file no longer has the size that was validated', async () => {
    const file = await makeTestFile(temp.dir, 'shrunk.pdf', patternBytes(50_000));
    for (const size of [80_000, 20_000]) {
      const changed = { ...file.request('file-extract'), body: { ...file.body, size } };
      await expect(kimi().upload(changed)).rejects.toMatchObject({ name: 'FILE_CHANGED' });
    }
    expect(server.files.size).toBe(0);
  });

  it('refuses a file over 100 MiB before opening it', async () => {
    const file = await makeTestFile(temp.dir, 'x.pdf', Buffer.from('%PDF-1.4'));
    const huge = { ...file.request('file-extract'), body: { ...file.body, size: 100 * 1024 * 1024 + 1 } };
    await expect(kimi().upload(huge)).rejects.toMatchObject({ name: 'PROVIDER_FILE_TOO_LARGE' });
    expect(server.requests).toHaveLength(0);
  });
});

describe('KimiProvider.list and delete', () => {
  it('lists uploaded files, filters by purpose, deletes, and reports an already deleted file as gone', async () => {
    const provider = kimi();
    const a = await makeTestFile(temp.dir, 'a.pdf', Buffer.from('%PDF-a'));
    const b = await makeTestFile(temp.dir, 'b.png', Buffer.from('png'), 'image/png');
    const first = await provider.upload(a.request('file-extract'));
    await provider.upload(b.request('image'));

    expect((await provider.list()).map((f) => f.filename).sort()).toEqual(['a.pdf', 'b.png']);
    expect((await provider.list({ purpose: 'image' })).map((f) => f.filename)).toEqual(['b.png']);
    expect(await provider.delete(first.id)).toEqual({ alreadyGone: false });
    expect(await provider.delete(first.id)).toEqual({ alreadyGone: true });
    expect(server.requests.at(-1)?.path).toBe(`/v1/files/${first.id}`);
  });

  it('URL-encodes the file id so it cannot change the path', async () => {
    await kimi().delete('../../x y');
    expect(server.requests.at(-1)?.path).toBe('/v1/files/..%2F..%2Fx%20y');
  });
});
