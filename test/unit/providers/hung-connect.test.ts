/**
 * A connect that hangs (a full accept queue drops the SYN): the request's deadline, the retry
 * budget and undici's connect timeout each end it with PROVIDER_TIMEOUT and a hint, for
 * uploads, listings and deletes, and an upload cut off there leaves no active row and no
 * quota held. undici applies an abort only once a request has a socket, so before the fix a
 * deadline that fired during the connect was ignored and these tests ran into their timeout.
 */
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Dispatcher } from 'undici';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createDispatcher, destroyDispatcher } from '../../../src/core/http.js';
import { isExaiError, type ExaiError } from '../../../src/core/errors.js';
import { prepareFiles, uploadFile } from '../../../src/core/upload/index.js';
import { KimiProvider } from '../../../src/providers/kimi.js';
import { createUploadSetup } from '../../helpers/upload-deps.js';
import { startHungConnect, type HungConnect } from '../../servers/hung-connect.js';
import { makeTempDir, makeTestFile } from '../../servers/upload-fixtures.js';

const KEY = 'sk-kimi-hung-0123456789abcdef0123';
/** undici's per-phase timeouts out of reach: only the deadline under test can end a request. */
const FAR = { connectTimeoutMs: 600_000, headersTimeoutMs: 600_000, bodyTimeoutMs: 600_000 };
const DEADLINE = { requestDeadlineMs: 200, minRateBytesPerSec: 1e12 };

let hung: HungConnect;
const cleanups: Array<() => Promise<void> | void> = [];
beforeAll(async () => {
  hung = await startHungConnect();
});
afterAll(async () => {
  await hung.close();
});
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

function agent(timeouts = FAR): Dispatcher {
  const dispatcher = createDispatcher(timeouts);
  // Not close(): a request given up on while connecting stays queued until its connect ends.
  cleanups.push(() => destroyDispatcher(dispatcher));
  return dispatcher;
}

function kimi(dispatcher: Dispatcher): KimiProvider {
  return new KimiProvider({ apiKey: KEY, baseUrl: hung.url, dispatcher, deadline: DEADLINE });
}

function expectTimeout(error: unknown): ExaiError {
  expect(isExaiError(error)).toBe(true);
  const exai = error as ExaiError;
  expect(exai.name).toBe('PROVIDER_TIMEOUT');
  expect(exai.hint).toBeTruthy();
  expect(exai.retryable).toBe(true);
  return exai;
}

describe('a connect that never completes', () => {
  it('an upload ends at its request deadline', async () => {
    const temp = await makeTempDir('exai-hung-');
    cleanups.push(() => temp.cleanup());
    const file = await makeTestFile(temp.dir, 'a.pdf', Buffer.from('%PDF-1.7\nhello\n'));
    const error = expectTimeout(await kimi(agent()).upload(file.request('file-extract')).catch((e: unknown) => e));
    expect(error.details?.['deadline_ms']).toBeGreaterThanOrEqual(200);
  });

  it('a listing and a delete end at their request deadline', async () => {
    const provider = kimi(agent());
    expectTimeout(await provider.list().catch((e: unknown) => e));
    expectTimeout(await provider.delete('file-1').catch((e: unknown) => e));
  });

  it("undici's own connect timeout is a PROVIDER_TIMEOUT that points at the address, not the rate", async () => {
    const provider = new KimiProvider({ apiKey: KEY, baseUrl: hung.url, dispatcher: agent({ ...FAR, connectTimeoutMs: 150 }), deadline: { requestDeadlineMs: 600_000, minRateBytesPerSec: 1 } });
    const error = expectTimeout(await provider.list().catch((e: unknown) => e));
    expect(error.message).toContain('did not accept the connection');
    expect(error.hint).toContain('http.connectTimeoutMs');
    expect(error.message).not.toContain(KEY);
  });

  it('the user stopping the run while connecting is INTERRUPTED at once', async () => {
    const controller = new AbortController();
    const provider = new KimiProvider({ apiKey: KEY, baseUrl: hung.url, dispatcher: agent(), deadline: { requestDeadlineMs: 600_000, minRateBytesPerSec: 1 } });
    const pending = provider.list({ signal: controller.signal }).catch((e: unknown) => e);
    await sleep(20);
    controller.abort();
    expect((await pending as ExaiError).name).toBe('INTERRUPTED');
  });

  it('an upload through the catalog fails after its retries: the row is failed, no quota is held', async () => {
    const clock = { now: () => Date.now(), sleep: (ms: number, signal?: AbortSignal) => sleep(ms, undefined, { signal }) };
    const dispatcher = agent();
    const setup = await createUploadSetup({
      prefix: 'exai-hung-upload-',
      clock,
      dispatcher: () => dispatcher,
      config: (base) => ({
        ...base,
        kimi: { apiKey: KEY, baseUrl: hung.url },
        retry: { ...base.retry, maxAttempts: 2, baseDelayMs: 1, maxDelayMs: 1, totalBudgetMs: 60_000 },
        http: { ...base.http, ...FAR, ...DEADLINE },
      }),
    });
    cleanups.push(setup.cleanup);
    await writeFile(path.join(setup.dir, 'notes.txt'), 'notes\n'.repeat(100));
    const batch = await prepareFiles(['notes.txt'], { policy: setup.policy, rules: setup.config, concurrency: 1 });
    const outcome = await uploadFile(batch.valid[0]!, { preferred: 'kimi', strict: true, dryRun: false }, setup.deps);
    expect(outcome.error?.name).toBe('PROVIDER_TIMEOUT');
    expect(outcome.error?.hint).toBeTruthy();
    expect(outcome.error?.message).toContain('2 attempts');
    expect((await setup.catalog.list({})).map((r) => r.status)).toEqual(['failed']);
    expect(await setup.catalog.usage('tester')).toMatchObject({ usedBytes: 0, uploadingFiles: 0, activeFiles: 0 });
  });
});
