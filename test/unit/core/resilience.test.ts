import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { RetryConfig } from '../../../src/core/config/types.js';
import { ExaiError } from '../../../src/core/errors.js';
import { countsAgainstBreaker, createBreakerStore, withRetry } from '../../../src/core/resilience.js';
import { createFakeClock, makeTempDir } from '../../servers/upload-fixtures.js';

const RETRY: RetryConfig = { maxAttempts: 5, baseDelayMs: 100, maxDelayMs: 1000, maxRetryAfterMs: 5000, totalBudgetMs: 60_000 };
const unavailable = (retryAfterMs?: number) => new ExaiError('PROVIDER_UNAVAILABLE', 'down', { retryable: true, ...(retryAfterMs === undefined ? {} : { retryAfterMs }) });

/** fn that fails with the given errors in turn, then returns "ok". */
function failing(...errors: unknown[]) {
  const calls: number[] = [];
  const fn = (attempt: number) => {
    calls.push(attempt);
    const error = errors.shift();
    return error === undefined ? Promise.resolve('ok') : Promise.reject(error);
  };
  return { fn, calls };
}

describe('withRetry', () => {
  it('uses full-jitter exponential backoff capped at maxDelay', async () => {
    const clock = createFakeClock();
    const { fn, calls } = failing(unavailable(), unavailable(), unavailable(), unavailable());
    await expect(withRetry(fn, { retry: RETRY, clock, random: () => 1 })).resolves.toBe('ok');
    expect(calls).toEqual([1, 2, 3, 4, 5]);
    expect(clock.sleeps).toEqual([100, 200, 400, 800]);
    const low = createFakeClock();
    await withRetry(failing(unavailable()).fn, { retry: RETRY, clock: low, random: () => 0 });
    expect(low.sleeps).toEqual([0]);
  });

  it('honours Retry-After, clamped to maxRetryAfterMs', async () => {
    const clock = createFakeClock();
    const seen: number[] = [];
    await withRetry(failing(unavailable(1234), unavailable(86_400_000)).fn, { retry: RETRY, clock, random: () => 0.5, onRetry: (i) => seen.push(i.delayMs) });
    expect(clock.sleeps).toEqual([1234, 5000]);
    expect(seen).toEqual([1234, 5000]);
  });

  it('never retries an error that is not marked retryable', async () => {
    const clock = createFakeClock();
    const { fn, calls } = failing(new ExaiError('PROVIDER_REJECTED', 'no'));
    await expect(withRetry(fn, { retry: RETRY, clock })).rejects.toMatchObject({ name: 'PROVIDER_REJECTED' });
    const plain = failing(new Error('boom'));
    await expect(withRetry(plain.fn, { retry: RETRY, clock })).rejects.toThrow('boom');
    expect([calls.length, plain.calls.length, clock.sleeps.length]).toEqual([1, 1, 0]);
  });

  it('stops at maxAttempts and reports how many were made', async () => {
    const clock = createFakeClock();
    const { fn, calls } = failing(...Array.from({ length: 10 }, () => unavailable()));
    await expect(withRetry(fn, { retry: { ...RETRY, maxAttempts: 3 }, clock, random: () => 0 })).rejects.toMatchObject({
      message: 'down (gave up after 3 attempts)',
      details: { attempts: 3 },
    });
    expect(calls).toEqual([1, 2, 3]);
  });

  it('does not start a wait that would overrun the total budget', async () => {
    const clock = createFakeClock();
    const { fn, calls } = failing(unavailable(4000), unavailable(4000), unavailable(4000));
    await expect(withRetry(fn, { retry: { ...RETRY, totalBudgetMs: 9000 }, clock })).rejects.toMatchObject({ name: 'PROVIDER_UNAVAILABLE' });
    expect(clock.sleeps).toEqual([4000, 4000]);
    expect(calls).toEqual([1, 2, 3]);
  });

  it('stops when the signal is aborted', async () => {
    const controller = new AbortController();
    const clock = createFakeClock();
    const fn = () => {
      controller.abort();
      return Promise.reject(unavailable());
    };
    await expect(withRetry(fn, { retry: RETRY, clock, signal: controller.signal })).rejects.toMatchObject({ name: 'PROVIDER_UNAVAILABLE' });
    expect(clock.sleeps).toEqual([]);
  });

  it('ends an attempt still in flight when the budget is spent: PROVIDER_TIMEOUT, not retried', async () => {
    const calls: number[] = [];
    // An attempt that never ends on its own: only the signal it is given can stop it.
    const stalled = (attempt: number, signal: AbortSignal) => {
      calls.push(attempt);
      return new Promise<never>((_resolve, reject) => signal.addEventListener('abort', () => reject(new ExaiError('PROVIDER_UNAVAILABLE', 'cut', { retryable: true }))));
    };
    const error = await withRetry(stalled, { retry: RETRY, budgetMs: 50, clock: createFakeClock() }).catch((e: unknown) => e);
    expect(error).toMatchObject({ name: 'PROVIDER_TIMEOUT', retryable: false, details: { deadline_ms: 50 } });
    expect(calls).toEqual([1]);
  });

  it('a user abort during an attempt stays INTERRUPTED-shaped, not a timeout', async () => {
    const controller = new AbortController();
    const stalled = (_attempt: number, signal: AbortSignal) => {
      setImmediate(() => controller.abort());
      return new Promise<never>((_resolve, reject) => signal.addEventListener('abort', () => reject(new ExaiError('INTERRUPTED', 'stopped'))));
    };
    const error = await withRetry(stalled, { retry: RETRY, clock: createFakeClock(), signal: controller.signal }).catch((e: unknown) => e);
    expect(error).toMatchObject({ name: 'INTERRUPTED' });
  });
});

describe('circuit breaker', () => {
  let temp: Awaited<ReturnType<typeof makeTempDir>>;
  beforeEach(async () => {
    temp = await makeTempDir();
  });
  afterEach(async () => {
    await temp.cleanup();
  });
  const cfg = { failureThreshold: 3, cooldownMs: 30_000 };

  it('opens after N consecutive failures, and the state survives into another process', () => {
    const clock = createFakeClock();
    const first = createBreakerStore(temp.dir, cfg, clock);
    first.recordFailure('kimi');
    first.recordFailure('kimi');
    expect(first.allow('kimi')).toBe(true);
    first.recordFailure('kimi');
    expect(first.state('kimi')).toMatchObject({ state: 'open', failures: 3, openedAt: clock.now(), retryAt: clock.now() + 30_000 });

    const second = createBreakerStore(temp.dir, cfg, clock); // a later run
    expect(second.allow('kimi')).toBe(false);
    expect(second.allow('glm')).toBe(true);
  });

  it('goes half-open after the cool-down; a failed probe reopens, a success closes', () => {
    const clock = createFakeClock();
    const store = createBreakerStore(temp.dir, cfg, clock);
    for (let i = 0; i < 3; i++) store.recordFailure('glm');
    clock.advance(30_000);
    expect(store.state('glm').state).toBe('half-open');
    expect(store.allow('glm')).toBe(true);
    store.recordFailure('glm');
    expect(store.state('glm')).toMatchObject({ state: 'open', retryAt: clock.now() + 30_000 });
    clock.advance(30_000);
    store.recordSuccess('glm');
    expect(store.state('glm')).toEqual({ state: 'closed', failures: 0 });
  });

  it('a success resets the count of consecutive failures', () => {
    const store = createBreakerStore(temp.dir, cfg, createFakeClock());
    store.recordFailure('kimi');
    store.recordFailure('kimi');
    store.recordSuccess('kimi');
    store.recordFailure('kimi');
    expect(store.state('kimi')).toEqual({ state: 'closed', failures: 1 });
  });

  it('treats a corrupt state file as empty and rewrites it cleanly', async () => {
    await writeFile(path.join(temp.dir, 'breakers.json'), '{"kimi": {"open": tru');
    const store = createBreakerStore(temp.dir, cfg, createFakeClock());
    expect(store.allow('kimi')).toBe(true);
    store.recordFailure('kimi');
    expect(JSON.parse(await readFile(path.join(temp.dir, 'breakers.json'), 'utf8'))).toEqual({ kimi: { failures: 1 } });
  });

  it('never leaves a torn file when several processes write at once', async () => {
    const built = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../dist/core/resilience.js');
    if (!existsSync(built)) return expect.fail(`run "npm run build" first: ${built} is missing`);
    const script = `
      const { createBreakerStore } = await import(${JSON.stringify(built)});
      const store = createBreakerStore(process.argv[1], { failureThreshold: 1000, cooldownMs: 1 }, Date);
      for (let i = 0; i < 40; i++) { store.recordFailure('p' + process.argv[2]); store.state('other'); }`;
    const run = promisify(execFile);
    await Promise.all([0, 1, 2, 3].map((n) => run(process.execPath, ['--input-type=module', '-e', script, temp.dir, String(n)])));
    const parsed = JSON.parse(await readFile(path.join(temp.dir, 'breakers.json'), 'utf8')) as Record<string, { failures: number }>;
    // Last writer wins, so counts may be lost, but the file is always whole and valid.
    for (const value of Object.values(parsed)) expect(value.failures).toBeGreaterThan(0);
    expect(await readdir(temp.dir)).toEqual(['breakers.json']);
  });

  it('counts only unavailability against the breaker, never the caller’s mistakes', () => {
    expect(countsAgainstBreaker(unavailable())).toBe(true);
    expect(countsAgainstBreaker(new ExaiError('PROVIDER_RATE_LIMITED', 'slow down'))).toBe(true);
    expect(countsAgainstBreaker(new ExaiError('PROVIDER_REJECTED', 'bad purpose'))).toBe(false);
    expect(countsAgainstBreaker(new ExaiError('PROVIDER_AUTH_FAILED', 'bad key'))).toBe(false);
    expect(countsAgainstBreaker(new ExaiError('PROVIDER_QUOTA_EXHAUSTED', 'no balance'))).toBe(false);
    expect(countsAgainstBreaker(new Error('x'))).toBe(false);
  });
});
