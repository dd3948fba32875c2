/**
 * A total deadline on every Supabase request (REST, Auth, Storage): supabase-js uses fetch,
 * whose only timeouts are undici's per-phase ones (a trickle resets them, a hung connect waits
 * out the connect timeout). The deadline is http.requestDeadline plus the body at http.minRate,
 * as for the providers (core/http.ts), and its abort reaches the request in any phase.
 */
import type { Dispatcher } from 'undici';
import type { HttpConfig } from '../core/config/types.js';
import { transferAllowanceMs } from '../core/resilience.js';

/** The settings a request's deadline is made of. */
export type RequestDeadline = Pick<HttpConfig, 'requestDeadlineMs' | 'minRateBytesPerSec'>;

/** The largest body supabase-js sends as a stream: a standard archive upload (TUS above it). */
const LARGEST_STREAMED_BODY = 6 * 1024 * 1024;

/** What a timed-out request's message ends with (supabase-js passes the message on). */
const DEADLINE_MARK = '(http.requestDeadline)';

/** The hint for a Supabase request cut off by its deadline. */
export const DEADLINE_HINT = 'the Supabase project did not answer in time: check SUPABASE_URL and the network; if the link is just slow, raise http.requestDeadline or lower http.minRate';

/** True for the message of a request this deadline ended. */
export function isDeadlineMessage(message: string | undefined): boolean {
  return message?.includes(DEADLINE_MARK) === true;
}

/**
 * `base` with a deadline on each request (`base` itself when there is none), sent through
 * `dispatcher` when given: exai's own Agent, which the run destroys at its end together with any
 * connect still hanging — the global one would keep the process alive until its connect timeout.
 */
export function withDeadline(base: typeof fetch, deadline: RequestDeadline | undefined, dispatcher?: () => Promise<Dispatcher>): typeof fetch {
  if (deadline === undefined && dispatcher === undefined) return base;
  return async (input, init) => {
    const signal = deadline === undefined ? init?.signal : deadlineSignal(deadline, init);
    // `dispatcher` is Node's fetch's own extension to RequestInit (undici's).
    const via = dispatcher === undefined ? {} : { dispatcher: await dispatcher() };
    return base(input, { ...init, ...via, ...(signal ? { signal } : {}) } as RequestInit);
  };
}

function deadlineSignal(deadline: RequestDeadline, init: RequestInit | undefined): AbortSignal {
  const ms = deadline.requestDeadlineMs + transferAllowanceMs(bodySize(init?.body), deadline.minRateBytesPerSec);
  const controller = new AbortController();
  // Not cleared when the answer arrives: the deadline covers reading its body too, and an
  // abort after the body was read does nothing. unref: it never keeps the process alive.
  setTimeout(() => controller.abort(deadlineReason(ms)), ms).unref();
  return init?.signal ? AbortSignal.any([init.signal, controller.signal]) : controller.signal;
}

function deadlineReason(ms: number): Error {
  const error = new Error(`no complete answer within ${ms} ms ${DEADLINE_MARK}`);
  // An AbortError: postgrest-js retries a failed GET unless it was aborted, and the deadline
  // is the whole request's, not one attempt's.
  error.name = 'AbortError';
  return error;
}

function bodySize(body: RequestInit['body'] | undefined): number {
  if (body === undefined || body === null) return 0;
  if (typeof body === 'string') return Buffer.byteLength(body);
  if (body instanceof ArrayBuffer || ArrayBuffer.isView(body)) return body.byteLength;
  if (body instanceof Blob) return body.size;
  return LARGEST_STREAMED_BODY;
}
