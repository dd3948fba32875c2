import { describe, expect, it } from 'vitest';
import { mapLimit } from '../../../src/core/concurrency.js';

const tick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe('mapLimit', () => {
  it('keeps input order and never runs more than the limit at once', async () => {
    let running = 0;
    let peak = 0;
    const result = await mapLimit([5, 1, 4, 2, 3, 0], 2, async (n) => {
      running++;
      peak = Math.max(peak, running);
      for (let i = 0; i < n; i++) await tick();
      running--;
      return n * 10;
    });
    expect(result).toEqual([50, 10, 40, 20, 30, 0]);
    expect(peak).toBe(2);
  });

  it('stops starting new items after a failure and rejects with it', async () => {
    const started: number[] = [];
    const run = mapLimit([1, 2, 3, 4, 5], 1, async (n) => {
      started.push(n);
      await tick();
      if (n === 2) throw new Error('boom');
      return n;
    });
    await expect(run).rejects.toThrow('boom');
    expect(started).toEqual([1, 2]);
  });

  it('handles an empty list and silly limits', async () => {
    expect(await mapLimit([], 4, async (n: number) => n)).toEqual([]);
    expect(await mapLimit([1, 2], 0, async (n) => n + 1)).toEqual([2, 3]);
  });
});
