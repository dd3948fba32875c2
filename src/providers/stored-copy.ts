/**
 * Did an upload land at the provider although its answer never arrived? The provider's file
 * list decides: exactly one file with this name, size and purpose created at or after the
 * moment the upload could have started (less a clock-skew allowance) is that upload. Used for
 * a garbled 2xx answer (files-api.ts) and for adopting a crashed run's upload (core/upload).
 */
import type { Provider, RemoteFile } from './types.js';

/** Allowance for the provider's clock running behind ours, in seconds. */
export const CLOCK_SKEW_SECONDS = 60;

/** What to look for in the listing. */
export interface StoredCopyQuery {
  filename: string;
  size: number;
  purpose: string;
  /** Unix seconds, skew already subtracted: the earliest creation time the copy can have. */
  sentAfter: number;
  signal?: AbortSignal | undefined;
  /** File ids that belong to something else already (e.g. other catalog rows): never a match. */
  exclude?: ReadonlySet<string> | undefined;
}

/** One match, none, several (ids), or no listing at all. */
export type StoredCopy =
  | { kind: 'one'; file: RemoteFile }
  | { kind: 'none' }
  | { kind: 'many'; ids: string[] }
  | { kind: 'unlisted' };

/** Look for the copy an unanswered upload may have left at `provider`. */
export async function findStoredCopy(provider: Pick<Provider, 'list'>, query: StoredCopyQuery): Promise<StoredCopy> {
  const listed = await provider.list({ purpose: query.purpose, signal: query.signal }).catch(() => undefined);
  if (listed === undefined) return { kind: 'unlisted' };
  const matches = listed.filter(
    (f) => f.filename === query.filename && f.bytes === query.size && (f.purpose === '' || f.purpose === query.purpose) && f.createdAt >= query.sentAfter && query.exclude?.has(f.id) !== true,
  );
  if (matches.length === 0) return { kind: 'none' };
  if (matches.length === 1 && matches[0]) return { kind: 'one', file: matches[0] };
  return { kind: 'many', ids: matches.map((f) => f.id) };
}
