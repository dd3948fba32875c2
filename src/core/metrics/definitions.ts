/** Every metric exai exports: name, type, help, labels, buckets. The one table. */

export type MetricType = 'counter' | 'histogram' | 'gauge';

/** One metric family. */
export interface MetricDef {
  name: string;
  type: MetricType;
  help: string;
  labels: readonly string[];
  /** Histogram upper bounds (seconds), ascending; +Inf is implied. */
  buckets?: readonly number[];
}

const DURATION_BUCKETS = [0.1, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600];
const WAIT_BUCKETS = [0.01, 0.05, 0.1, 0.5, 1, 5, 10, 30, 60, 300];

/** The families, as Prometheus sees them. */
export const METRICS = {
  uploadAttempts: { name: 'exai_upload_attempts_total', type: 'counter', help: 'Upload attempts per provider, by outcome (uploaded, deduplicated, failed).', labels: ['provider', 'outcome'] },
  uploadBytes: { name: 'exai_upload_bytes_total', type: 'counter', help: 'Bytes uploaded to each provider.', labels: ['provider'] },
  uploadDuration: { name: 'exai_upload_duration_seconds', type: 'histogram', help: 'Time to upload one file to a provider, retries included.', labels: ['provider'], buckets: DURATION_BUCKETS },
  dedupHits: { name: 'exai_dedup_hits_total', type: 'counter', help: 'Uploads answered from the catalog without a provider request.', labels: [] },
  breakerTrips: { name: 'exai_circuit_breaker_trips_total', type: 'counter', help: 'Times a provider circuit breaker opened.', labels: ['provider'] },
  validationFailures: { name: 'exai_validation_failures_total', type: 'counter', help: 'Files refused by a validation rule, by rule.', labels: ['rule'] },
  gcDeleted: { name: 'exai_gc_deleted_total', type: 'counter', help: 'Files gc deleted, by reason (retention, orphan).', labels: ['reason'] },
  gcBytesFreed: { name: 'exai_gc_bytes_freed_total', type: 'counter', help: 'Provider bytes gc freed.', labels: [] },
  lockWait: { name: 'exai_lock_wait_seconds', type: 'histogram', help: 'Time spent waiting for a content lock.', labels: [], buckets: WAIT_BUCKETS },
  lastGc: { name: 'exai_last_gc_timestamp_seconds', type: 'gauge', help: 'Unix time the last gc finished.', labels: [] },
} as const satisfies Record<string, MetricDef>;

export type MetricKey = keyof typeof METRICS;

/** Look a family up by its Prometheus name. */
export function findMetric(name: string): MetricDef | undefined {
  return Object.values(METRICS).find((m: MetricDef) => m.name === name);
}
