/**
 * The one HTTP path to the providers: a keep-alive undici Agent with the configured timeouts,
 * and a request helper that refuses redirects (credentials must never follow one) and turns
 * network failures into ExaiErrors that carry no headers.
 */
import type { Readable } from 'node:stream';
import type { Dispatcher } from 'undici';
// undici's index loads fetch, WebSocket, mocks and cache stores too: ~80 ms and ~9 MB that an
// upload pays for nothing. Only the Agent and its documented `dispatcher.request()` are loaded,
// from the files the index itself re-exports (typed in src/types/undici-internals.d.ts). The
// undici version is pinned exactly in package.json so these paths cannot move under us; every
// provider test goes through them.
import Agent from 'undici/lib/dispatcher/agent.js';
import dispatcherRequest from 'undici/lib/api/api-request.js';
import type { HttpConfig } from './config/types.js';
import { ExaiError, isExaiError } from './errors.js';
import { abortable } from './http-abortable.js';
import { registerConnectEnder, trackingConnector } from './http-connector.js';
import { deadlineError } from './resilience.js';
import type { HttpResponse } from './http-response.js';
import { clipText, redactSecrets } from './redact.js';

export { firstHeader, parseRetryAfter, type HttpResponse } from './http-response.js';
export { destroyDispatcher } from './http-connector.js';

/** Response bodies larger than this are cut: file-API answers are small JSON documents. */
const MAX_RESPONSE_BYTES = 4 * 1024 * 1024;

/** One shared Agent: keep-alive, connect/headers/body timeouts from config; end it with destroyDispatcher. */
export function createDispatcher(cfg: Pick<HttpConfig, 'connectTimeoutMs' | 'headersTimeoutMs' | 'bodyTimeoutMs'>): Dispatcher {
  const connector = trackingConnector(cfg.connectTimeoutMs);
  const agent = new Agent({
    connect: connector.connect,
    headersTimeout: cfg.headersTimeoutMs,
    bodyTimeout: cfg.bodyTimeoutMs,
    keepAliveTimeout: 10_000,
  });
  registerConnectEnder(agent, connector.endConnecting);
  return agent;
}

export interface HttpRequest {
  dispatcher: Dispatcher;
  method: 'GET' | 'POST' | 'DELETE';
  url: string;
  headers?: Record<string, string>;
  body?: Readable | AsyncIterable<Buffer> | string;
  signal?: AbortSignal | undefined;
  /** Who we are talking to, for messages ("kimi"). */
  service: string;
  /**
   * The whole request's deadline — connect, headers, the request body and the response body
   * together. undici's own timeouts are per phase and a trickle resets them; this one is not.
   */
  deadlineMs?: number | undefined;
}


/** Send one request; resolve with any non-3xx response, reject network trouble as PROVIDER_UNAVAILABLE. */
export async function sendRequest(req: HttpRequest): Promise<HttpResponse> {
  const deadline = startDeadline(req);
  try {
    return await sendWithin({ ...req, signal: deadline.signal }, () => deadline.fired());
  } finally {
    deadline.clear();
  }
}

async function sendWithin(req: HttpRequest, fired: () => ExaiError | undefined): Promise<HttpResponse> {
  let res: Dispatcher.ResponseData;
  try {
    // No redirect interceptor is installed, so undici hands 3xx back to us unfollowed.
    const url = new URL(req.url);
    res = await abortable(dispatcherRequest.call(req.dispatcher, {
      origin: url.origin,
      path: `${url.pathname}${url.search}`,
      method: req.method,
      headers: req.headers ?? {},
      // AsyncIterable bodies are documented (docs/api/Dispatcher.md, DispatchOptions.body);
      // the typings only lag behind.
      body: (req.body ?? null) as Dispatcher.RequestOptions['body'],
      signal: req.signal,
    }), req.signal);
  } catch (error) {
    throw fired() ?? toNetworkError(error, req);
  }
  if (res.statusCode >= 300 && res.statusCode < 400) {
    discard(res.body);
    throw new ExaiError('PROVIDER_BAD_RESPONSE', `${req.service} answered with a redirect (HTTP ${res.statusCode}); refused redirect so credentials are not sent elsewhere`, {
      status: res.statusCode,
      hint: 'check the base URL in the configuration (it must be the final API address)',
    });
  }
  const text = await readText(res.body, req).catch((error: unknown) => {
    throw fired() ?? error;
  });
  return { status: res.statusCode, headers: res.headers, text };
}

interface Deadline {
  signal: AbortSignal | undefined;
  /** The deadline's error once it has fired. */
  fired(): ExaiError | undefined;
  clear(): void;
}

/** A timer that aborts the request when its deadline passes, joined with the caller's signal. */
function startDeadline(req: HttpRequest): Deadline {
  const ms = req.deadlineMs;
  if (ms === undefined || !Number.isFinite(ms)) return { signal: req.signal, fired: () => undefined, clear: () => undefined };
  const controller = new AbortController();
  let error: ExaiError | undefined;
  const timer = setTimeout(() => {
    error = deadlineError(`${req.service}: the request`, ms, true);
    controller.abort(error);
  }, ms);
  timer.unref();
  const signal = req.signal === undefined ? controller.signal : AbortSignal.any([req.signal, controller.signal]);
  return { signal, fired: () => error, clear: () => clearTimeout(timer) };
}

async function readText(body: Dispatcher.ResponseData['body'], req: HttpRequest): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of body as AsyncIterable<Buffer>) {
      size += chunk.length;
      if (size > MAX_RESPONSE_BYTES) {
        discard(body);
        break;
      }
      chunks.push(chunk);
    }
  } catch (error) {
    throw toNetworkError(error, req);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** Drop a response body we will not read (destroying it emits an abort error nobody wants). */
function discard(body: Dispatcher.ResponseData['body']): void {
  body.on('error', () => undefined);
  body.destroy();
}

/** Network codes that mean "the provider could not be reached or dropped us": worth another try. */
const NETWORK_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
  'UND_ERR_SOCKET',
  'UND_ERR_CLOSED',
  'UND_ERR_DESTROYED',
  'UND_ERR_RES_CONTENT_LENGTH_MISMATCH',
]);

/**
 * Map whatever undici or the socket threw to an ExaiError. The original error is never
 * kept as `cause`: undici errors can reference the request (and so its headers).
 */
export function toNetworkError(error: unknown, req: Pick<HttpRequest, 'signal' | 'service'> & Partial<Pick<HttpRequest, 'headers'>>): ExaiError {
  if (isExaiError(error)) return error;
  // A retry budget aborts with its own error (core/resilience.ts); anything else is the user.
  if (req.signal?.aborted) return isExaiError(req.signal.reason) ? req.signal.reason : new ExaiError('INTERRUPTED', `request to ${req.service} was interrupted`);
  const code = errorCode(error);
  const reason = describeNetworkError(error, code, credentialsOf(req.headers));
  if (code === 'UND_ERR_CONNECT_TIMEOUT') return connectTimeout(req.service, reason);
  return new ExaiError('PROVIDER_UNAVAILABLE', `${req.service} could not be reached: ${reason}`, {
    retryable: code !== undefined && NETWORK_CODES.has(code),
    cause: new Error(reason),
    details: code === undefined ? {} : { network_code: code },
  });
}

// Nothing took the connection (a dropped SYN, a full accept queue, a firewall): the provider
// was too slow, as a deadline says, but the fix is the address or the network, not the rate.
function connectTimeout(service: string, reason: string): ExaiError {
  return new ExaiError('PROVIDER_TIMEOUT', `${service} did not accept the connection: ${reason}`, {
    retryable: true,
    cause: new Error(reason),
    hint: 'check the base URL and the network (a firewall that drops packets looks like this); on a slow link raise http.connectTimeoutMs',
    details: { network_code: 'UND_ERR_CONNECT_TIMEOUT' },
  });
}

// The values of the headers that carry credentials (the key without its "Bearer ").
function credentialsOf(headers: Record<string, string> | undefined): string[] {
  return Object.entries(headers ?? {})
    .filter(([name]) => /authorization|api-?key|token/i.test(name))
    .map(([, value]) => value.replace(/^Bearer\s+/i, ''));
}

function errorCode(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string') return code;
  return errorCode((error as { cause?: unknown }).cause);
}

function describeNetworkError(error: unknown, code: string | undefined, secrets: string[]): string {
  const message = error instanceof Error ? error.message.split('\n')[0] ?? '' : '';
  // Only the first line and only the code: nothing that could echo a request header; and
  // redacted before it is clipped, so a key near the cut is still whole when it is masked.
  const short = clipText(redactSecrets(message, secrets), 200);
  if (code === undefined) return short || 'network error';
  return short ? `${short} (${code})` : code;
}

