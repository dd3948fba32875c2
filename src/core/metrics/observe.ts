/** Small adapters that turn what the pipeline already knows into metric samples. */
import type { BreakerStore } from '../resilience.js';
import type { MetricsSink } from './recorder.js';

/** A breaker store that counts each closed/half-open → open transition as a trip. */
export function countBreakerTrips(store: BreakerStore, sink: MetricsSink): BreakerStore {
  return {
    ...store,
    recordFailure: (provider) => {
      const before = store.state(provider).state;
      store.recordFailure(provider);
      if (before !== 'open' && store.state(provider).state === 'open') sink.inc('breakerTrips', { provider });
    },
  };
}

/** One count per refused file and rule, from validation reports. */
export function countValidationFailures(reports: ReadonlyArray<{ errors: ReadonlyArray<{ name: string }> }>, sink: MetricsSink): void {
  for (const report of reports) for (const error of report.errors) sink.inc('validationFailures', { rule: error.name.toLowerCase() });
}
