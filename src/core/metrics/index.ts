/** Prometheus metrics for a CLI (DESIGN.md §9): record per run, add to totals, export. */
export { METRICS, type MetricKey } from './definitions.js';
export { createRecorder, NULL_SINK, type MetricsRecorder, type MetricsSink, type Sample } from './recorder.js';
export { currentTotals, exportTotals, flushMetrics, type MetricsTargets } from './export.js';
export { countBreakerTrips, countValidationFailures } from './observe.js';
