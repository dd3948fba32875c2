/**
 * What a provider response looks like once read, and the Retry-After parsing that error
 * mapping needs. Kept apart from http.ts so that reading an error or a catalog hit never
 * loads undici: only sending a request does.
 */

/** A response, read. */
export interface HttpResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  /** The body as text (cut at 4 MiB). */
  text: string;
}

/**
 * Parse `retry-after-ms` or `Retry-After` (delta seconds or an HTTP-date) into milliseconds.
 * Garbage, negative or past values give undefined (the caller then uses its own backoff).
 */
export function parseRetryAfter(headers: HttpResponse['headers'], now: number = Date.now()): number | undefined {
  const ms = firstHeader(headers['retry-after-ms']);
  if (ms !== undefined && /^\d+(\.\d+)?$/.test(ms.trim())) return Math.ceil(Number(ms));
  const value = firstHeader(headers['retry-after'])?.trim();
  if (value === undefined || value === '') return undefined;
  if (/^\d+(\.\d+)?$/.test(value)) return Math.ceil(Number(value) * 1000);
  const date = Date.parse(value);
  if (Number.isNaN(date)) return undefined;
  const delta = date - now;
  return delta >= 0 ? delta : undefined;
}

/** The first value of a header that may repeat. */
export function firstHeader(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}
