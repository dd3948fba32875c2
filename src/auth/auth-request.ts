/**
 * One Auth (GoTrue) request under exai's own rules: each attempt within http.requestDeadline,
 * all attempts within retry.totalBudgetMs, retried on 429 (after its Retry-After), 5xx and
 * resets as the providers are. auth-js is not used for these calls: it retries a refresh on
 * its own for up to 30 s (AUTO_REFRESH_TICK_DURATION_MS), past any deadline exai was given.
 */
import { DEFAULT_RETRY } from '../core/config/defaults.js';
import type { RetryConfig } from '../core/config/types.js';
import { ExaiError, isExaiError } from '../core/errors.js';
import { parseRetryAfter } from '../core/http-response.js';
import { withRetry, type RetryClock } from '../core/resilience.js';
import type { ProjectSettings } from './client.js';
import { DEADLINE_HINT, isDeadlineMessage, withDeadline } from './deadline-fetch.js';

/** Answers above this are refused: Auth answers are small JSON documents. */
const MAX_ANSWER_BYTES = 1024 * 1024;

/** The hint when the Auth server stays unreachable or overloaded. */
export const UNREACHABLE_HINT = 'check SUPABASE_URL and your network, then try again; if the link is just slow, raise http.requestDeadline or retry.totalBudgetMs';

/** Project settings plus the retry policy Auth calls follow. */
export interface AuthRequestSettings extends ProjectSettings {
  /** retry.* from the config; the defaults when absent. */
  retry?: RetryConfig | undefined;
  /** The run's interrupt (Ctrl-C): ends a call, its retries included, with INTERRUPTED. */
  signal?: AbortSignal | undefined;
}

/** What the caller asks for: a route under /auth/v1, a JSON body, the bearer token. */
export interface AuthCall {
  method: 'GET' | 'POST';
  /** e.g. `/token?grant_type=refresh_token`. */
  route: string;
  body?: unknown;
  /** The user's access token; the publishable key when absent. */
  token?: string | undefined;
}

/** A final answer the server meant (2xx or 4xx): its status and parsed JSON (undefined when empty). */
export interface AuthAnswer {
  status: number;
  body: unknown;
}

const realClock: RetryClock = {
  now: () => Date.now(),
  sleep: (ms, signal) =>
    new Promise((resolve) => {
      const timer = setTimeout(resolve, ms);
      signal?.addEventListener('abort', () => (clearTimeout(timer), resolve()), { once: true });
    }),
};

/**
 * Send `call` until the server gives a final answer; 2xx and 4xx are returned (the caller
 * knows what a refusal means), anything else is an ExaiError once retries or budget run out.
 */
export async function authRequest(settings: AuthRequestSettings, call: AuthCall): Promise<AuthAnswer> {
  const base = settings.fetch ?? ((input, init) => fetch(input, init));
  const send = withDeadline(base, settings.deadline, settings.dispatcher);
  const retry = settings.retry ?? DEFAULT_RETRY;
  try {
    return await withRetry((_attempt, signal) => attempt(settings, send, call, signal), { retry, clock: realClock, signal: settings.signal });
  } catch (error) {
    if (settings.signal?.aborted) throw isExaiError(settings.signal.reason) ? settings.signal.reason : new ExaiError('INTERRUPTED', 'interrupted');
    throw explained(error);
  }
}

async function attempt(settings: AuthRequestSettings, send: typeof fetch, call: AuthCall, signal: AbortSignal): Promise<AuthAnswer> {
  let response: Response;
  let text: string;
  try {
    response = await send(`${settings.url}/auth/v1${call.route}`, { method: call.method, headers: headersOf(settings, call), body: call.body === undefined ? null : JSON.stringify(call.body), signal, redirect: 'manual' });
    text = await readCapped(response);
  } catch (error) {
    throw networkError(error, signal);
  }
  if (response.status === 429) {
    const retryAfterMs = parseRetryAfter(Object.fromEntries(response.headers));
    throw new ExaiError('CATALOG_ERROR', 'the Supabase auth server is rate limiting requests (429)', { retryable: true, status: 429, hint: UNREACHABLE_HINT, ...(retryAfterMs === undefined ? {} : { retryAfterMs }) });
  }
  if (response.status >= 500) {
    throw new ExaiError('CATALOG_ERROR', `the Supabase auth server failed (${response.status})`, { retryable: true, status: response.status, hint: UNREACHABLE_HINT });
  }
  if (response.status >= 300 && response.status < 400) {
    // Never followed: the request carries a password or a refresh token.
    throw new ExaiError('CATALOG_ERROR', `the Supabase auth server answered with a redirect (${response.status}); not followed`, { status: response.status, hint: 'check SUPABASE_URL: it must be the project URL itself' });
  }
  return { status: response.status, body: parseBody(text, response.status) };
}

/** The answer as text, refusing one larger than MAX_ANSWER_BYTES (a hostile server must not fill memory). */
async function readCapped(response: Response): Promise<string> {
  if (response.body === null) return '';
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
    size += chunk.byteLength;
    if (size > MAX_ANSWER_BYTES) {
      await response.body.cancel().catch(() => undefined);
      throw new ExaiError('CATALOG_ERROR', `the Supabase auth server's answer is larger than ${MAX_ANSWER_BYTES} bytes`, { status: response.status, hint: 'check SUPABASE_URL: it must be the project URL of a Supabase auth server' });
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function headersOf(settings: AuthRequestSettings, call: AuthCall): Record<string, string> {
  return {
    apikey: settings.anonKey,
    authorization: `Bearer ${call.token ?? settings.anonKey}`,
    'content-type': 'application/json;charset=UTF-8',
    'x-supabase-api-version': '2024-01-01',
  };
}

function parseBody(text: string, status: number): unknown {
  if (text.trim() === '') return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    // A proxy's HTML page or a cut answer: nothing in it can be used, and it is not sent again.
    throw new ExaiError('CATALOG_ERROR', `the Supabase auth server answered ${status} with a body that is not JSON`, { status, hint: 'check SUPABASE_URL: it must be the project URL, not a proxy or a web page' });
  }
}

/** A failed fetch: the budget's own abort passes through, a request deadline or a reset may be retried. */
function networkError(error: unknown, signal: AbortSignal): unknown {
  if (signal.aborted && isExaiError(signal.reason)) return signal.reason;
  if (isExaiError(error)) return error;
  const message = error instanceof Error ? error.message : String(error);
  if (isDeadlineMessage(message) || isDeadlineMessage(String((error as { cause?: unknown })?.cause))) {
    return new ExaiError('PROVIDER_TIMEOUT', `the Supabase auth server gave no complete answer in time: ${message}`, { retryable: true, hint: DEADLINE_HINT });
  }
  const cause = (error as { cause?: { code?: unknown; message?: unknown } } | undefined)?.cause;
  const detail = typeof cause?.code === 'string' ? cause.code : typeof cause?.message === 'string' ? cause.message : message;
  return new ExaiError('CATALOG_ERROR', `cannot reach the Supabase auth server: ${detail}`, { retryable: true, hint: UNREACHABLE_HINT });
}

/** The retry budget's timeout speaks of Supabase Auth, not of a provider. */
function explained(error: unknown): unknown {
  if (isExaiError(error) && error.name === 'PROVIDER_TIMEOUT' && !error.message.includes('Supabase')) {
    return new ExaiError('PROVIDER_TIMEOUT', `the Supabase auth server: ${error.message}`, { hint: DEADLINE_HINT, details: error.details });
  }
  return error;
}
