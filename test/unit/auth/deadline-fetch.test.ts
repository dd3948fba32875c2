/** The fetch every Supabase request goes through: a total deadline, and exai's own dispatcher. */
import type { Dispatcher } from 'undici';
import { describe, expect, it } from 'vitest';
import { isDeadlineMessage, withDeadline } from '../../../src/auth/deadline-fetch.js';

type Seen = RequestInit & { dispatcher?: Dispatcher };

/** A fetch that never answers and reports how it was called; it rejects when its signal aborts. */
function silentFetch(seen: Seen[]): typeof fetch {
  return (_input, init) => {
    seen.push(init as Seen);
    return new Promise((_resolve, reject) => init?.signal?.addEventListener('abort', () => reject(init.signal!.reason as Error)));
  };
}

describe('withDeadline', () => {
  it('ends a request that never answers with an AbortError whose message names the setting', async () => {
    const seen: Seen[] = [];
    const error = (await withDeadline(silentFetch(seen), { requestDeadlineMs: 50, minRateBytesPerSec: 1e12 })('http://127.0.0.1:9/rest/v1/rpc/x').catch((e: unknown) => e)) as Error;
    expect(error.name).toBe('AbortError'); // postgrest-js retries a failed GET unless it was aborted
    expect(isDeadlineMessage(error.message)).toBe(true);
  });

  it("the caller's own abort still wins", async () => {
    const controller = new AbortController();
    const pending = withDeadline(silentFetch([]), { requestDeadlineMs: 600_000, minRateBytesPerSec: 1 })('http://127.0.0.1:9/', { signal: controller.signal }).catch((e: unknown) => e);
    controller.abort(new Error('user stop'));
    expect(((await pending) as Error).message).toBe('user stop');
  });

  it('sends through the given dispatcher, so the run can end a connect that hangs', async () => {
    const seen: Seen[] = [];
    const dispatcher = { marker: true } as unknown as Dispatcher;
    const send = withDeadline(silentFetch(seen), { requestDeadlineMs: 20, minRateBytesPerSec: 1e12 }, () => Promise.resolve(dispatcher));
    await send('http://127.0.0.1:9/', { method: 'POST', body: 'x' }).catch(() => undefined);
    expect(seen[0]?.dispatcher).toBe(dispatcher);
    expect(seen[0]?.body).toBe('x');
  });

  it('without a deadline or a dispatcher it is the base fetch itself', () => {
    const base = silentFetch([]);
    expect(withDeadline(base, undefined)).toBe(base);
  });
});
