import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { countBreakerTrips, createRecorder } from '../../../../src/core/metrics/index.js';
import { renderTotals } from '../../../../src/core/metrics/render.js';
import { addToTotals, readTotals } from '../../../../src/core/metrics/totals.js';
import { createBreakerStore } from '../../../../src/core/resilience.js';
import { openStateStore } from '../../../../src/core/state/store.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'exai-metrics-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('metrics recording', () => {
  it('counts a breaker trip once, when it opens, not for failures while it is open', () => {
    let now = 1_000;
    const recorder = createRecorder();
    const store = countBreakerTrips(createBreakerStore(dir, { failureThreshold: 2, cooldownMs: 10_000 }, { now: () => now }), recorder);
    store.recordFailure('kimi');
    store.recordFailure('kimi');
    store.recordFailure('kimi');
    now += 20_000; // half-open: one more failure opens it again
    store.recordFailure('kimi');
    expect(recorder.additions()).toEqual([{ family: 'exai_circuit_breaker_trips_total', series: 'exai_circuit_breaker_trips_total', labels: { provider: 'kimi' }, value: 2 }]);
  });

  it('histogram observations become cumulative buckets that add up across runs', async () => {
    const store = await openStateStore(dir);
    try {
      for (const seconds of [0.3, 7]) {
        const run = createRecorder();
        run.observe('uploadDuration', { provider: 'glm' }, seconds);
        addToTotals(store, run);
      }
      const text = await renderTotals(readTotals(store));
      expect(text).toContain('exai_upload_duration_seconds_bucket{provider="glm",le="0.1"} 0');
      expect(text).toContain('exai_upload_duration_seconds_bucket{provider="glm",le="0.5"} 1');
      expect(text).toContain('exai_upload_duration_seconds_bucket{provider="glm",le="10"} 2');
      expect(text).toContain('exai_upload_duration_seconds_bucket{provider="glm",le="+Inf"} 2');
      expect(text).toContain('exai_upload_duration_seconds_sum{provider="glm"} 7.3');
    } finally {
      store.close();
    }
  });

  it('one series is one total whatever order a run gave its labels in', async () => {
    const store = await openStateStore(dir);
    try {
      const first = createRecorder();
      first.inc('uploadAttempts', { provider: 'kimi', outcome: 'uploaded' });
      addToTotals(store, first);
      const second = createRecorder();
      second.inc('uploadAttempts', { outcome: 'uploaded', provider: 'kimi' }, 2);
      const totals = addToTotals(store, second).filter((s) => s.series === 'exai_upload_attempts_total');
      expect(totals).toEqual([{ family: 'exai_upload_attempts_total', series: 'exai_upload_attempts_total', labels: { outcome: 'uploaded', provider: 'kimi' }, value: 3 }]);
    } finally {
      store.close();
    }
  });

  it('a label value cannot break the text format', async () => {
    const store = await openStateStore(dir);
    try {
      const run = createRecorder();
      run.inc('validationFailures', { rule: 'evil"}\nexai_gc_deleted_total 999' });
      addToTotals(store, run);
      const text = await renderTotals(readTotals(store));
      expect(text).not.toMatch(/^exai_gc_deleted_total 999/m);
    } finally {
      store.close();
    }
  });
});
