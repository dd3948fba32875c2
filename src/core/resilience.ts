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
  clock: RetryClock;
  random?: () => number;
  signal?: AbortSignal | undefined;
  onRetry?: (info: RetryInfo) => void;
}

/** Run `fn` until it succeeds, fails with a non-retryable error, or attempts/budget run out. */
export async function withRetry<T>(fn: (attempt: number) => Promise<T>, opts: RetryOptions): Promise<T> {
  const random = opts.random ?? Math.random;
  const started = opts.clock.now();
  for (let attempt = 1; ; attempt++) {
    throwIfAborted(opts.signal);
    try {
      return await fn(attempt);
    } catch (error) {
      if (!isRetryable(error) || opts.signal?.aborted) throw error;
      if (attempt >= opts.retry.maxAttempts) throw gaveUp(error, attempt);
      const delayMs = chooseDelay(attempt, error, opts.retry, random);
      if (opts.clock.now() - started + delayMs > opts.retry.totalBudgetMs) throw gaveUp(error, attempt);
      opts.onRetry?.({ attempt, delayMs, error });
      await opts.clock.sleep(delayMs, opts.signal);
    }
  }
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

function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new ExaiError('INTERRUPTED', 'interrupted');
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
  return error.name === 'PROVIDER_UNAVAILABLE' || error.name === 'PROVIDER_RATE_LIMITED' || error.name === 'PROVIDER_BAD_RESPONSE';
}
