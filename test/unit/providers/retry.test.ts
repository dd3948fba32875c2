/** Provider uploads under the one retry layer: what a user sees when the network or the provider misbehaves. */
import { Agent } from 'undici';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { RetryConfig } from '../../../src/core/config/types.js';
import { withRetry } from '../../../src/core/resilience.js';
import { GlmProvider } from '../../../src/providers/glm.js';
import { KimiProvider } from '../../../src/providers/kimi.js';
import type { Provider, UploadRequest } from '../../../src/providers/types.js';
import { startFakeProvider, type FakeFault, type FakeKind, type FakeProvider } from '../../servers/fake-provider.js';
import { createFakeClock, makeTempDir, makeTestFile, patternBytes } from '../../servers/upload-fixtures.js';

const KEY = 'sk-retry-test-abcdefghijklmnop';
const RETRY: RetryConfig = { maxAttempts: 4, baseDelayMs: 500, maxDelayMs: 8000, maxRetryAfterMs: 60_000, totalBudgetMs: 120_000 };
let dispatcher: Agent;
let temp: Awaited<ReturnType<typeof makeTempDir>>;
let server: FakeProvider | undefined;

beforeAll(async () => {
  dispatcher = new Agent();
  temp = await makeTempDir();
});
afterAll(async () => {
  await dispatcher.close();
  await temp.cleanup();
});
afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function setup(kind: FakeKind, faults: FakeFault[]): Promise<{ provider: Provider; server: FakeProvider }> {
  server = await startFakeProvider({ kind, apiKey: KEY, faults });
  const options = { apiKey: KEY, baseUrl: server.url, dispatcher };
  return { provider: kind === 'kimi' ? new KimiProvider(options) : new GlmProvider(options), server };
}

function uploadWithRetry(provider: Provider, request: UploadRequest, retry: RetryConfig = RETRY) {
  const clock = createFakeClock();
  const attempts: number[] = [];
  const result = withRetry(
    (attempt) => {
      attempts.push(attempt);
      return provider.upload(request);
    },
    { retry, clock, random: () => 0.5 },
  );
  return { result, clock, attempts };
}

describe('uploads with retries', () => {
  it('waits as long as Retry-After says (clamped), then succeeds', async () => {
    const { provider, server } = await setup('kimi', [{ kind: 'rate-limit', retryAfter: '3' }, { kind: 'rate-limit', retryAfter: '3600' }]);
    const file = await makeTestFile(temp.dir, 'r.pdf', Buffer.from('%PDF-1.4 rate'));
    const { result, clock } = uploadWithRetry(provider, file.request('file-extract'));
    await expect(result).resolves.toMatchObject({ filename: 'r.pdf' });
    expect(clock.sleeps).toEqual([3000, 60_000]);
    expect(server.requests).toHaveLength(3);
  });

  it('retries 500 and 503 with jittered backoff, then succeeds', async () => {
    const { provider, server } = await setup('glm', [{ kind: 'server-error', status: 500 }, { kind: 'server-error', status: 503 }]);
    const file = await makeTestFile(temp.dir, 's.pdf', Buffer.from('%PDF-1.4 5xx'));
    const { result, clock } = uploadWithRetry(provider, file.request('file-extract'));
    await expect(result).resolves.toMatchObject({ filename: 's.pdf' });
    // random()=0.5 of min(8000, 500*2^n): 250 then 500
    expect(clock.sleeps).toEqual([250, 500]);
    expect(server.files.size).toBe(1);
  });

  it('does not retry Kimi exceeded_current_quota_error', async () => {
    const { provider, server } = await setup('kimi', [{ kind: 'quota' }]);
    const file = await makeTestFile(temp.dir, 'q.pdf', Buffer.from('%PDF-1.4 quota'));
    const { result, clock } = uploadWithRetry(provider, file.request('file-extract'));
    await expect(result).rejects.toMatchObject({ name: 'PROVIDER_QUOTA_EXHAUSTED' });
    expect(clock.sleeps).toEqual([]);
    expect(server.requests).toHaveLength(1);
  });

  it('re-opens the file after a connection reset and the server gets the whole file the second time', async () => {
    const { provider, server } = await setup('kimi', [{ kind: 'reset', afterBytes: 64 * 1024 }]);
    const file = await makeTestFile(temp.dir, 'big.pdf', patternBytes(512 * 1024));
    const { result, attempts } = uploadWithRetry(provider, file.request('file-extract'));
    const remote = await result;
    expect(attempts).toEqual([1, 2]);
    expect(file.opens()).toBe(2);
    expect(server.requests[0]?.complete).toBe(false);
    expect(server.requests[1]).toMatchObject({ complete: true, bytes: file.size, sha256: file.sha256 });
    expect(server.files.get(remote.id)?.sha256).toBe(file.sha256);
  });

  it('gives up after maxAttempts and says so', async () => {
    const { provider, server } = await setup('glm', []);
    server.setFailAll({ kind: 'server-error' });
    const file = await makeTestFile(temp.dir, 'f.pdf', Buffer.from('%PDF-1.4 fail'));
    const { result } = uploadWithRetry(provider, file.request('file-extract'), { ...RETRY, maxAttempts: 3 });
    await expect(result).rejects.toMatchObject({ name: 'PROVIDER_UNAVAILABLE', message: expect.stringContaining('gave up after 3 attempts') as unknown });
    expect(server.requests).toHaveLength(3);
  });

  it('recovers from a malformed JSON answer without a second upload', async () => {
    const { provider, server } = await setup('kimi', [{ kind: 'malformed-json' }]);
    const file = await makeTestFile(temp.dir, 'm.pdf', Buffer.from('%PDF-1.4 json'));
    const { result, attempts } = uploadWithRetry(provider, file.request('file-extract'));
    await expect(result).resolves.toMatchObject({ filename: 'm.pdf' });
    expect(attempts).toEqual([1]);
    expect(server.files.size).toBe(1);
  });

  it('retries a garbled success that stored nothing', async () => {
    const { provider, server } = await setup('glm', [{ kind: 'reply', status: 200, body: [] }]);
    const file = await makeTestFile(temp.dir, 'g.pdf', Buffer.from('%PDF-1.4 glm'));
    const { result, attempts } = uploadWithRetry(provider, file.request('file-extract'));
    await expect(result).resolves.toMatchObject({ filename: 'g.pdf' });
    expect(attempts).toEqual([1, 2]);
    expect(server.files.size).toBe(1);
  });
});
