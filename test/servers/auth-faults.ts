/**
 * Faults of a Supabase Auth server, for the loopback project's beforeAuth hook: it hangs,
 * trickles, rate-limits with Retry-After, fails with 500, resets the connection, or answers
 * 200 with a body that is not a session or too large, or refuses with terminal escapes. Each fault hits the first `times` matching requests;
 * later ones reach the real routes.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';

export type AuthFault = 'hang' | 'trickle' | '429' | '500' | 'reset' | 'html' | 'not-a-session' | 'huge' | 'hostile-refusal' | 'redirect' | 'refresh-then-reset';

/** What 'hostile-refusal' puts in its message: a terminal escape that clears the screen. */
export const HOSTILE_MESSAGE = 'Invalid login \u001b[2J\u001b]0;pwned\u0007credentials';

export interface AuthFaultPlan {
  fault: AuthFault;
  /** How many matching requests get the fault (Infinity: all). */
  times: number;
  /** Only routes starting with this (e.g. `/token?grant_type=refresh_token`); all when absent. */
  route?: string;
  /** The Retry-After header of a 429 (seconds or an HTTP date). */
  retryAfter?: string;
  /** Where a 'redirect' (307, which keeps method and body) points. */
  location?: string;
}

/** The hook and how many requests it broke. */
export interface AuthFaults {
  hook(req: IncomingMessage, res: ServerResponse, route: string): boolean;
  hits: number;
}

/** A beforeAuth hook applying `plan`; `realAnswer` lets 'refresh-then-reset' spend the token before cutting the answer. */
export function authFaults(plan: AuthFaultPlan, realAnswer?: (req: IncomingMessage) => Promise<void>): AuthFaults {
  const state: AuthFaults = {
    hits: 0,
    hook: (req, res, route) => {
      if (plan.route !== undefined && !route.startsWith(plan.route)) return false;
      if (state.hits >= plan.times) return false;
      state.hits++;
      apply(plan, req, res, realAnswer);
      return true;
    },
  };
  return state;
}

function apply(plan: AuthFaultPlan, req: IncomingMessage, res: ServerResponse, realAnswer?: (req: IncomingMessage) => Promise<void>): void {
  switch (plan.fault) {
    case 'hang':
      return void req.resume();
    case 'trickle':
      return trickle(req, res);
    case '429':
      return json(res, 429, { code: 429, error_code: 'over_request_rate_limit', msg: 'Request rate limit reached' }, plan.retryAfter === undefined ? {} : { 'retry-after': plan.retryAfter });
    case '500':
      return json(res, 500, { code: 500, error_code: 'unexpected_failure', msg: 'Unexpected failure' });
    case 'reset':
      return void req.socket.destroy();
    case 'html':
      req.resume();
      return void res.writeHead(200, { 'content-type': 'text/html' }).end('<html><body>Welcome to nginx!</body></html>');
    case 'not-a-session':
      return json(res, 200, { access_token: 'x', user: null });
    case 'huge':
      return json(res, 200, { access_token: 'x'.repeat(2 * 1024 * 1024) });
    case 'hostile-refusal':
      return json(res, 400, { code: 400, error_code: 'invalid_credentials', msg: HOSTILE_MESSAGE });
    case 'redirect':
      req.resume();
      return void res.writeHead(307, { location: plan.location ?? 'http://127.0.0.1:9/' }).end();
    case 'refresh-then-reset':
      // The server rotates the refresh token, and the answer never reaches the client.
      return void (realAnswer ? realAnswer(req) : Promise.resolve()).finally(() => req.socket.destroy());
  }
}

function json(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.req.resume();
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), ...headers }).end(text);
}

/** 200 and a long JSON body one byte every 50 ms: alive, never done. */
function trickle(req: IncomingMessage, res: ServerResponse): void {
  req.resume();
  res.writeHead(200, { 'content-type': 'application/json', 'content-length': '100000' });
  const timer = setInterval(() => res.write(' '), 50);
  res.on('close', () => clearInterval(timer));
}
