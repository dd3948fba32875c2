/**
 * The one retry layer (providers make a single attempt per call) and the per-provider circuit
 * breaker whose state survives between runs, so failures across CI jobs add up.
 */
import { closeSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import type { BreakerConfig, RetryConfig } from './config/types.js';
import { ExaiError, isExaiError } from './errors.js';

/** Time, injectable so tests never really sleep. */
export interface RetryClock {
  now(): number;
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

export interface RetryInfo {
  /** The attempt that just failed (1-based). */
  attempt: number;
  delayMs: number;
  error: unknown;
}

export interface RetryOptions {
  retry: RetryConfig;
  /** The whole loop's budget, attempts included; default retry.totalBudgetMs. */
  budgetMs?: number | undefined;
  clock: RetryClock;
  random?: () => number;
  signal?: AbortSignal | undefined;
  onRetry?: (info: RetryInfo) => void;
}

/**
 * Run `fn` until it succeeds, fails with a non-retryable error, or attempts/budget run out.
 * The budget bounds the whole loop, the attempt in flight included: `fn` gets a signal that
 * aborts (reason: a PROVIDER_TIMEOUT error) when it is spent, so no attempt outlives it.
 */
export async function withRetry<T>(fn: (attempt: number, signal: AbortSignal) => Promise<T>, opts: RetryOptions): Promise<T> {
  const random = opts.random ?? Math.random;
  const started = opts.clock.now();
  const budgetMs = opts.budgetMs ?? opts.retry.totalBudgetMs;
  const budget = budgetSignal(budgetMs, opts.signal);
  try {
    for (let attempt = 1; ; attempt++) {
      throwIfAborted(budget.signal, opts.signal);
      try {
        return await fn(attempt, budget.signal);
      } catch (error) {
        if (budget.signal.aborted && !opts.signal?.aborted) throw budget.signal.reason;
        if (!isRetryable(error) || opts.signal?.aborted) throw error;
        if (attempt >= opts.retry.maxAttempts) throw gaveUp(error, attempt);
        const delayMs = chooseDelay(attempt, error, opts.retry, random);
        if (opts.clock.now() - started + delayMs > budgetMs) throw gaveUp(error, attempt);
        opts.onRetry?.({ attempt, delayMs, error });
        await opts.clock.sleep(delayMs, opts.signal);
      }
    }
  } finally {
    budget.clear();
  }
}

/**
 * The time a body of `bytes` may take at `minRateBytesPerSec`: what a request's deadline and
 * a retry budget add for it, so a big file on a slow link is not cut off but a trickle is.
 */
export function transferAllowanceMs(bytes: number, minRateBytesPerSec: number): number {
  return Math.ceil((Math.max(0, bytes) / Math.max(1, minRateBytesPerSec)) * 1000);
}

/**
 * The error a spent deadline aborts with: the provider was too slow (another may take the
 * file). A request's deadline leaves room for another attempt; the retry budget's does not.
 */
export function deadlineError(what: string, limitMs: number, retryable: boolean): ExaiError {
  return new ExaiError('PROVIDER_TIMEOUT', `${what} did not finish within ${Math.round(limitMs)} ms`, {
    retryable,
    hint: 'the provider is too slow or stalled; if the link is just slow, raise http.requestDeadline or retry.totalBudgetMs, or lower http.minRate',
    details: { deadline_ms: Math.round(limitMs) },
  });
}

// A real timer, not the injectable clock: it must fire while a request is blocked on a socket.
function budgetSignal(budgetMs: number, outer: AbortSignal | undefined): { signal: AbortSignal; clear(): void } {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(deadlineError('the request and its retries', budgetMs, false)), budgetMs);
  timer.unref();
  const signal = outer === undefined ? controller.signal : AbortSignal.any([outer, controller.signal]);
  return { signal, clear: () => clearTimeout(timer) };
}

/**
 * Delay before the next attempt: the server's Retry-After (clamped to maxRetryAfterMs) when it
 * sent one, else full jitter `random() * min(maxDelay, base * 2^(attempt-1))`.
 */
export function chooseDelay(attempt: number, error: unknown, retry: RetryConfig, random: () => number): number {
  const retryAfter = isExaiError(error) ? error.retryAfterMs : undefined;
  if (retryAfter !== undefined && Number.isFinite(retryAfter)) {
    return Math.max(0, Math.min(retryAfter, retry.maxRetryAfterMs));
  }
  const ceiling = Math.min(retry.maxDelayMs, retry.baseDelayMs * 2 ** (attempt - 1));
  return Math.floor(random() * ceiling);
}

/** Only errors that say so are retried: anything else would repeat a request that cannot succeed. */
export function isRetryable(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { retryable?: unknown }).retryable === true;
}

function throwIfAborted(budget: AbortSignal, outer: AbortSignal | undefined): void {
  if (outer?.aborted) throw new ExaiError('INTERRUPTED', 'interrupted');
  if (budget.aborted) throw budget.reason;
}

function gaveUp(error: unknown, attempts: number): unknown {
  if (!isExaiError(error) || attempts <= 1) return error;
  return new ExaiError(error.name, `${error.message} (gave up after ${attempts} attempts)`, {
    hint: error.hint,
    path: error.path,
    retryable: error.retryable,
    retryAfterMs: error.retryAfterMs,
    status: error.status,
    details: { ...error.details, attempts },
  });
}

// ---------------------------------------------------------------------------------------------
// Circuit breaker

export interface BreakerState {
  state: 'closed' | 'open' | 'half-open';
  /** Consecutive failures counted against the provider. */
  failures: number;
  /** Epoch ms when the breaker last opened. */
  openedAt?: number;
  /** Epoch ms from which a probe request is allowed again. */
  retryAt?: number;
}

export interface BreakerStore {
  state(provider: string): BreakerState;
  /** False while open; after the cool-down the breaker is half-open and lets a probe through. */
  allow(provider: string): boolean;
  recordSuccess(provider: string): void;
  /** Count one failure; the caller decides what counts (see countsAgainstBreaker). */
  recordFailure(provider: string): void;
}

type StoredState = Omit<BreakerState, 'state'> & { open?: boolean };

/**
 * Breaker state in `<stateDir>/breakers.json`. Every call re-reads the file so other processes'
 * results count; writes are atomic (temp + fsync + rename), so concurrent writers lose an
 * update at worst (last writer wins) but never leave a torn file.
 */
export function createBreakerStore(stateDir: string, cfg: BreakerConfig, clock: Pick<RetryClock, 'now'>): BreakerStore {
  const file = path.join(stateDir, 'breakers.json');
  const view = (stored: StoredState | undefined): BreakerState => effectiveState(stored, clock.now());
  const update = (provider: string, change: (current: BreakerState) => StoredState): void => {
    const all = readStates(file);
    all[provider] = change(view(all[provider]));
    writeStates(file, all);
  };
  return {
    state: (provider) => view(readStates(file)[provider]),
    allow: (provider) => view(readStates(file)[provider]).state !== 'open',
    // The common case, success on a healthy provider, changes nothing: skip the fsync'd write.
    recordSuccess: (provider) => {
      const current = readStates(file)[provider];
      if (current === undefined || (current.failures === 0 && current.open !== true)) return;
      update(provider, () => ({ failures: 0 }));
    },
    recordFailure: (provider) =>
      update(provider, (current) => {
        const failures = current.failures + 1;
        if (current.state === 'open') return { ...current, open: true, failures };
        if (current.state === 'half-open' || failures >= cfg.failureThreshold) {
          const openedAt = clock.now();
          return { open: true, failures, openedAt, retryAt: openedAt + cfg.cooldownMs };
        }
        return { failures };
      }),
  };
}

function effectiveState(stored: StoredState | undefined, now: number): BreakerState {
  if (stored === undefined || stored.open !== true) return { state: 'closed', failures: stored?.failures ?? 0 };
  const { openedAt, retryAt, failures } = stored;
  const state = retryAt !== undefined && now >= retryAt ? 'half-open' : 'open';
  return { state, failures, ...(openedAt === undefined ? {} : { openedAt }), ...(retryAt === undefined ? {} : { retryAt }) };
}

function readStates(file: string): Record<string, StoredState> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8'));
  } catch {
    // Missing or corrupt: start from closed breakers rather than refusing to work.
    return {};
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return {};
  const out: Record<string, StoredState> = {};
  for (const [name, value] of Object.entries(parsed as Record<string, unknown>)) {
    const state = sanitizeState(value);
    if (state !== undefined) out[name] = state;
  }
  return out;
}

function sanitizeState(value: unknown): StoredState | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const v = value as Record<string, unknown>;
  const num = (x: unknown): number | undefined => (typeof x === 'number' && Number.isFinite(x) ? x : undefined);
  const failures = num(v.failures) ?? 0;
  const openedAt = num(v.openedAt);
  const retryAt = num(v.retryAt);
  return {
    failures,
    ...(v.open === true ? { open: true } : {}),
    ...(openedAt === undefined ? {} : { openedAt }),
    ...(retryAt === undefined ? {} : { retryAt }),
  };
}

function writeStates(file: string, states: Record<string, StoredState>): void {
  const dir = path.dirname(file);
  mkdirSync(dir, { recursive: true });
  const temp = path.join(dir, `.breakers.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  try {
    const fd = openSync(temp, 'w', 0o600);
    try {
      writeFileSync(fd, `${JSON.stringify(states, null, 2)}\n`);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(temp, file);
  } catch {
    // The breaker is advisory: an unwritable state dir must not fail the upload itself.
    rmSync(temp, { force: true });
  }
}

/** Failures that say the provider is unavailable (network, 5xx, rate limits, garbage answers), not our mistakes. */
export function countsAgainstBreaker(error: unknown): boolean {
  if (!isExaiError(error)) return false;
  return error.name === 'PROVIDER_UNAVAILABLE' || error.name === 'PROVIDER_TIMEOUT' || error.name === 'PROVIDER_RATE_LIMITED' || error.name === 'PROVIDER_BAD_RESPONSE';
}
