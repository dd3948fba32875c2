/**
 * Turning a provider's HTTP answer into an ExaiError: which ones are worth retrying, which are
 * the user's to fix. Both Kimi and GLM use `{"error":{...,"message"}}`; they differ in how
 * they say "your balance is gone" (facts §1.8, §2.6), which each provider passes in.
 */
import type { ProviderName } from '../core/config/types.js';
import { ExaiError } from '../core/errors.js';
import { parseRetryAfter, type HttpResponse } from '../core/http-response.js';
import { clipText, redactSecrets } from '../core/redact.js';

/** The useful parts of `{"error":{"type","code","message"}}`, whatever the provider. */
export interface ProviderErrorBody {
  type?: string | undefined;
  code?: string | undefined;
  message?: string | undefined;
}

export interface ErrorContext {
  provider: ProviderName;
  /** "upload report.pdf", "list files", "delete file-123": what we were doing. */
  action: string;
  /** Secrets to scrub from anything the server sent back. */
  secrets: readonly (string | undefined)[];
  /** Where the key comes from, for the hint on 401/403. */
  keyEnv: string;
  /** True for the 429s that no amount of waiting fixes (balance, plan quota). */
  isQuotaExhausted(body: ProviderErrorBody): boolean;
}

/** Read the error body defensively: any shape, any garbage. */
export function parseErrorBody(text: string): ProviderErrorBody {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    // Kept whole: describe() redacts before it clips, so a key near the cut is still whole.
    return { message: text.trim() === '' ? undefined : text.trim() };
  }
  const error = typeof parsed === 'object' && parsed !== null ? (parsed as Record<string, unknown>).error : undefined;
  if (typeof error === 'string') return { message: error };
  if (typeof error !== 'object' || error === null) return {};
  const e = error as Record<string, unknown>;
  const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : typeof v === 'number' ? String(v) : undefined);
  return { type: str(e.type), code: str(e.code), message: str(e.message) };
}

/** A 400 that is really "file too large" (Kimi: "File size is too large, max file size is 100MB…"). */
const TOO_LARGE = /too large|exceed(?:s|ed)?\b.*\d+\s*[KMG]i?B|max(?:imum)? file size/i;

/** Classify a non-2xx response (401/403 auth, 400 rejected, 408/5xx/429 retryable, quota never). */
export function toProviderError(res: HttpResponse, ctx: ErrorContext): ExaiError {
  const body = parseErrorBody(res.text);
  const status = res.status;
  const shown = quoteBody(body, ctx.secrets);
  const message = describe(status, shown, ctx);
  const common = { status, details: { provider: ctx.provider, http_status: status, provider_code: shown.code ?? shown.type } };
  if (status === 401 || status === 403) {
    return new ExaiError('PROVIDER_AUTH_FAILED', message, { ...common, hint: `check ${ctx.keyEnv} (a key from another platform or region is refused)` });
  }
  if (status === 434) {
    return new ExaiError('PROVIDER_AUTH_FAILED', message, { ...common, hint: 'this API key has no permission for the file API (GLM HTTP 434)' });
  }
  if (status === 413 || status === 435 || (status === 400 && TOO_LARGE.test(body.message ?? ''))) {
    return new ExaiError('PROVIDER_FILE_TOO_LARGE', message, common);
  }
  if (status === 429) {
    if (ctx.isQuotaExhausted(body)) {
      return new ExaiError('PROVIDER_QUOTA_EXHAUSTED', message, { ...common, hint: `top up or wait for the ${ctx.provider} quota to reset; retrying will not help` });
    }
    return new ExaiError('PROVIDER_RATE_LIMITED', message, { ...common, retryable: true, retryAfterMs: parseRetryAfter(res.headers) });
  }
  if (status === 408 || status === 409 || status >= 500) {
    return new ExaiError('PROVIDER_UNAVAILABLE', message, { ...common, retryable: true, retryAfterMs: parseRetryAfter(res.headers) });
  }
  if (status === 404) return new ExaiError('PROVIDER_NOT_FOUND', message, common);
  return new ExaiError('PROVIDER_REJECTED', message, common);
}

/**
 * What the server sent, fit to quote: redacted, then clipped. Clipping first can cut a key
 * the server echoed so that it no longer matches, and its head would be printed and stored
 * in the catalog's error column.
 */
export function quoteBody(body: ProviderErrorBody, secrets: readonly (string | undefined)[]): ProviderErrorBody {
  const quote = (text: string | undefined): string | undefined =>
    text === undefined ? undefined : clipText(redactSecrets(text, secrets).replace(/\s+/g, ' ').trim());
  return { type: quote(body.type), code: quote(body.code), message: quote(body.message) };
}

function describe(status: number, body: ProviderErrorBody, ctx: ErrorContext): string {
  const tag = body.type ?? body.code;
  const detail = body.message === undefined ? '' : `: ${body.message}`;
  const text = `${ctx.provider}: ${ctx.action} failed (HTTP ${status}${tag === undefined ? '' : ` ${tag}`})${detail}`;
  return redactSecrets(text, ctx.secrets);
}

/** A 2xx answer we cannot use (not JSON, missing fields): retryable, the next one may be fine. */
export function badResponse(provider: ProviderName, what: string, status: number): ExaiError {
  return new ExaiError('PROVIDER_BAD_RESPONSE', `${provider} sent an unreadable answer to ${what} (HTTP ${status})`, {
    status,
    retryable: true,
    details: { provider, http_status: status },
  });
}

/** Parse JSON or throw PROVIDER_BAD_RESPONSE. */
export function parseJsonBody(res: HttpResponse, provider: ProviderName, what: string): Record<string, unknown> {
  try {
    const parsed: unknown = JSON.parse(res.text);
    if (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)) return parsed as Record<string, unknown>;
  } catch {
    // fall through: same error as a non-object
  }
  throw badResponse(provider, what, res.status);
}
