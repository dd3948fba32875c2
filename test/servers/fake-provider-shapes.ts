/**
 * What each fake provider says, in the documented shapes (facts/providers.md §1.8, §2.6):
 * Kimi `{"error":{"type","message"}}`, GLM `{"error":{"code","message"}}`.
 */
export type FakeKind = 'kimi' | 'glm';

const MB = 1024 * 1024;

/** Base path of the API (the fake's url ends with it). */
export const BASE_PATH: Record<FakeKind, string> = { kimi: '/v1', glm: '/api/paas/v4' };

/** Documented purposes and their size limits. */
export const DEFAULT_LIMITS: Record<FakeKind, Record<string, number>> = {
  kimi: { 'file-extract': 100 * MB, image: 100 * MB, video: 100 * MB, batch: 100 * MB },
  glm: { 'file-extract': 50 * MB, batch: 100 * MB, agent: 20 * MB, 'code-interpreter': 20 * MB },
};

export interface FakeReply {
  status: number;
  body?: unknown;
  /** A body sent as it is, not as JSON. */
  raw?: string;
  headers?: Record<string, string>;
}

/** The kinds of errors the fakes produce. */
export type ErrorKind =
  | 'unauthorized'
  | 'bad-multipart'
  | 'missing-field'
  | 'invalid-purpose'
  | 'too-large'
  | 'not-found'
  | 'rate-limit'
  | 'quota'
  | 'server-error'
  | 'unavailable'
  | 'bad-list-param';

/** One error reply in the provider's own shape. */
export function errorReply(kind: FakeKind, error: ErrorKind, detail = ''): FakeReply {
  return kind === 'kimi' ? kimiError(error, detail) : glmError(error, detail);
}

function kimiError(error: ErrorKind, detail: string): FakeReply {
  const reply = (status: number, type: string, message: string): FakeReply => ({ status, body: { error: { type, message } } });
  switch (error) {
    case 'unauthorized':
      return reply(401, 'invalid_authentication_error', 'Invalid Authentication');
    case 'bad-multipart':
    case 'missing-field':
    case 'bad-list-param':
      return reply(400, 'invalid_request_error', `Invalid request: ${detail}`);
    case 'invalid-purpose':
      return reply(400, 'invalid_request_error', `Invalid request: invalid purpose ${detail}`);
    case 'too-large':
      return reply(400, 'invalid_request_error', 'File size is too large, max file size is 100MB, please confirm and re-upload the file');
    case 'not-found':
      return reply(404, 'resource_not_found_error', 'File not found');
    case 'rate-limit':
      return reply(429, 'rate_limit_reached_error', 'Your account reached organization max RPM: 3, please try again after 1 seconds');
    case 'quota':
      return reply(429, 'exceeded_current_quota_error', 'Your account is suspended, please check your plan and billing details');
    case 'server-error':
      return reply(500, 'server_error', 'Failed to extract file: internal error');
    case 'unavailable':
      return reply(503, 'server_unavailable', 'service temporarily unavailable');
  }
}

function glmError(error: ErrorKind, detail: string): FakeReply {
  const reply = (status: number, code: string, message: string): FakeReply => ({ status, body: { error: { code, message }, request_id: 'req-fake' } });
  switch (error) {
    case 'unauthorized':
      return reply(401, '1000', 'Authentication failure');
    case 'bad-multipart':
    case 'missing-field':
    case 'bad-list-param':
      return reply(400, '1210', `Invalid API parameters: ${detail}`);
    case 'invalid-purpose':
      return reply(400, '1214', `Invalid purpose: ${detail}`);
    case 'too-large':
      return detail === '435'
        ? reply(435, '1210', 'File size exceeds 100MB')
        : reply(400, '1210', `File size exceeds the ${detail} limit for this purpose`);
    case 'not-found':
      return reply(404, '1214', 'File not found');
    case 'rate-limit':
      return reply(429, '1302', 'Rate limit reached for requests');
    case 'quota':
      return reply(429, '1113', 'Your account is in arrears, please recharge');
    case 'server-error':
      return reply(500, '500', 'Internal server error');
    case 'unavailable':
      return reply(503, '1305', 'Service overloaded');
  }
}
