/**
 * A deadline on every request (issue 14): a provider that keeps a request alive by doing a
 * little, forever — reading the upload in sips, trickling its answer, never sending headers —
 * is cut off by the request's total deadline (its base plus the body at the minimum rate) and
 * by the retry loop's budget, for uploads, listings and deletes. undici's own per-phase
 * timeouts are set far out of reach, so only the deadline can have ended each request.
 */
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Dispatcher } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import { createDispatcher } from '../../../src/core/http.js';
import { isExaiError, type ExaiError } from '../../../src/core/errors.js';
import { uploadFile, prepareFiles } from '../../../src/core/upload/index.js';
import { KimiProvider } from '../../../src/providers/kimi.js';
import { createUploadSetup } from '../../helpers/upload-deps.js';
import { makeTempDir, makeTestFile } from '../../servers/upload-fixtures.js';
import { startTrickleServer, type TrickleMode } from '../../servers/trickle-server.js';

const KEY = 'sk-kimi-deadline-0123456789abcdef';
const MiB = 1024 * 1024;
/** undici's per-phase timeouts, out of reach of any test. */
const FAR = { connectTimeoutMs: 600_000, headersTimeoutMs: 600_000, bodyTimeoutMs: 600_000 };
const FAST_DEADLINE = { requestDeadlineMs: 300, minRateBytesPerSec: 1e12 };

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function trickling(mode: TrickleMode) {
  const server = await startTrickleServer(mode);
  cleanups.push(() => server.close());
  const dispatcher = createDispatcher(FAR);
  cleanups.push(() => dispatcher.close());
  return { server, dispatcher };
}

function kimi(url: string, dispatcher: Dispatcher, deadline = FAST_DEADLINE): KimiProvider {
  return new KimiProvider({ apiKey: KEY, baseUrl: url, dispatcher, deadline });
}

async function bigFile(size = 4 * MiB) {
  const temp = await makeTempDir('exai-deadline-');
  cleanups.push(() => temp.cleanup());
  return makeTestFile(temp.dir, 'big.pdf', Buffer.concat([Buffer.from('%PDF-1.7\n'), Buffer.alloc(size - 9, 0x61)]));
}

function expectDeadline(error: unknown): ExaiError {
  expect(isExaiError(error)).toBe(true);
  const exai = error as ExaiError;
  expect(exai.name).toBe('PROVIDER_TIMEOUT');
  expect(exai.details?.['deadline_ms']).toBeTypeOf('number');
  return exai;
}

describe('a request deadline, whatever phase the provider stalls in', () => {
  it('upload read in sips by the provider (request body never finishes)', async () => {
    const { server, dispatcher } = await trickling('slow-read');
    const file = await bigFile();
    const error = await kimi(server.url, dispatcher).upload(file.request('file-extract')).catch((e: unknown) => e);
    const exai = expectDeadline(error);
    expect(exai.retryable).toBe(true);
    expect(server.seen).toBe(1);
    expect(server.bytesRead).toBeLessThan(file.size);
  });

  it('upload answered a byte at a time (response body never finishes)', async () => {
    const { server, dispatcher } = await trickling('trickle-response');
    const file = await bigFile(64 * 1024);
    expectDeadline(await kimi(server.url, dispatcher).upload(file.request('file-extract')).catch((e: unknown) => e));
    expect(server.bytesRead).toBeGreaterThanOrEqual(file.size);
  });

  it('upload never answered (headers never sent)', async () => {
    const { server, dispatcher } = await trickling('no-headers');
    const file = await bigFile(64 * 1024);
    expectDeadline(await kimi(server.url, dispatcher).upload(file.request('file-extract')).catch((e: unknown) => e));
    expect(server.seen).toBe(1);
  });

  it('a listing trickled a byte at a time', async () => {
    const { server, dispatcher } = await trickling('trickle-response');
    expectDeadline(await kimi(server.url, dispatcher).list().catch((e: unknown) => e));
  });

  it('a delete never answered', async () => {
    const { server, dispatcher } = await trickling('no-headers');
    expectDeadline(await kimi(server.url, dispatcher).delete('file-1').catch((e: unknown) => e));
  });

  it('the deadline grows with the body: a slow but steady upload inside its allowance is not cut', async () => {
    const { server, dispatcher } = await trickling('slow-read');
    const file = await bigFile(12 * 1024);
    // Base 50 ms, less than a dozen sips take; but 12 KiB at 1 KiB/s adds 12 s.
    const remote = await kimi(server.url, dispatcher, { requestDeadlineMs: 50, minRateBytesPerSec: 1024 }).upload(file.request('file-extract'));
    expect(remote.id).toBe('file-slow');
  });

  it('the user stopping the run is still INTERRUPTED, not a timeout', async () => {
    const { server, dispatcher } = await trickling('no-headers');
    const file = await bigFile(64 * 1024);
    const controller = new AbortController();
    const pending = kimi(server.url, dispatcher, { requestDeadlineMs: 600_000, minRateBytesPerSec: 1 }).upload(file.request('file-extract', { signal: controller.signal }));
    while (server.seen === 0) await sleep(5);
    controller.abort();
    expect(await pending.catch((e: unknown) => (e as ExaiError).name)).toBe('INTERRUPTED');
  });
});

describe('the retry budget bounds the whole loop, the attempt in flight included', () => {
  it('an upload stalled past retry.totalBudgetMs fails PROVIDER_TIMEOUT after one attempt; no row is active', async () => {
    const server = await startTrickleServer('no-headers');
    cleanups.push(() => server.close());
    const agent = createDispatcher(FAR);
    cleanups.push(() => agent.close());
    const clock = { now: () => Date.now(), sleep: (ms: number, signal?: AbortSignal) => sleep(ms, undefined, { signal }) };
    const setup = await createUploadSetup({
      prefix: 'exai-budget-',
      clock,
      dispatcher: () => agent,
      config: (base) => ({
        ...base,
        kimi: { apiKey: KEY, baseUrl: server.url },
        retry: { ...base.retry, totalBudgetMs: 300 },
        // The request's own deadline is far: only the budget can end it.
        http: { ...base.http, requestDeadlineMs: 600_000, minRateBytesPerSec: 1e12 },
      }),
    });
    cleanups.push(setup.cleanup);
    await writeFile(path.join(setup.dir, 'notes.txt'), 'notes\n'.repeat(100));
    const batch = await prepareFiles(['notes.txt'], { policy: setup.policy, rules: setup.config, concurrency: 1 });
    const outcome = await uploadFile(batch.valid[0]!, { preferred: 'kimi', strict: true, dryRun: false }, setup.deps);
    expect(outcome.error?.name).toBe('PROVIDER_TIMEOUT');
    expect(outcome.error?.message).toContain('retries');
    expect(server.seen).toBe(1);
    const rows = await setup.catalog.list({});
    expect(rows.map((r) => r.status)).toEqual(['failed']);
  });
});
