/** Bounded concurrency for per-file work (validate and upload handle many files at once). */

/**
 * Run `fn` over `items` with at most `limit` calls in flight; results keep the input order.
 * On the first rejection no new items start; once in-flight calls settle, it rejects with that error.
 */
export async function mapLimit<T, R>(
  items: readonly T[],
  limit: number,
  fn: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  const results = new Array<R>(items.length);
  const workers = Math.max(1, Math.min(Math.floor(limit) || 1, items.length));
  let next = 0;
  let failure: { error: unknown } | undefined;
  const work = async (): Promise<void> => {
    while (failure === undefined && next < items.length) {
      const index = next++;
      try {
        results[index] = await fn(items[index] as T, index);
      } catch (error) {
        failure ??= { error };
      }
    }
  };
  await Promise.all(Array.from({ length: workers }, work));
  if (failure !== undefined) throw failure.error;
  return results;
}
