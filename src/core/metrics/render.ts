/**
 * Totals → the Prometheus text format, through prom-client (loaded only here). The stored
 * samples are handed to prom-client's AggregatorRegistry as metric JSON (the shape its own
 * get() returns), which writes the exposition text and backs the Pushgateway client.
 */
import type { Registry } from 'prom-client';
import { METRICS, type MetricDef } from './definitions.js';
import type { Sample } from './recorder.js';

interface MetricJson {
  name: string;
  help: string;
  type: MetricDef['type'];
  aggregator: 'sum';
  values: Array<{ value: number; labels: Record<string, string>; metricName: string }>;
}

/** A prom-client registry holding `totals`; every family appears, zero when never recorded. */
export async function registryOf(totals: readonly Sample[]): Promise<Registry> {
  const { AggregatorRegistry } = await import('prom-client');
  const families: MetricJson[] = Object.values(METRICS).map((def: MetricDef) => ({
    name: def.name,
    help: def.help,
    type: def.type,
    aggregator: 'sum',
    values: valuesOf(def, totals.filter((s) => s.family === def.name)),
  }));
  return AggregatorRegistry.aggregate([families as never]);
}

/** The text format of `totals`. */
export async function renderTotals(totals: readonly Sample[]): Promise<string> {
  return (await registryOf(totals)).metrics();
}

function valuesOf(def: MetricDef, samples: Sample[]): MetricJson['values'] {
  const values = samples.map((s) => ({ value: s.value, labels: s.labels, metricName: s.series }));
  if (def.type === 'histogram') return completeBuckets(def, values);
  // A label-free family with no samples yet is exported as 0, so dashboards see it exist.
  if (values.length === 0 && def.labels.length === 0) return [{ value: 0, labels: {}, metricName: def.name }];
  return values;
}

/**
 * Every series of a histogram needs every bucket: a run whose observation was above a bound
 * recorded nothing for it, and a bound's count is the largest count of the bounds below it.
 */
function completeBuckets(def: MetricDef, values: MetricJson['values']): MetricJson['values'] {
  const bounds = [...(def.buckets ?? []).map(String), '+Inf'];
  const counts = values.filter((v) => v.metricName.endsWith('_count'));
  if (counts.length === 0 && def.labels.length === 0) {
    return [...bounds.map((le) => ({ value: 0, labels: { le }, metricName: `${def.name}_bucket` })), { value: 0, labels: {}, metricName: `${def.name}_sum` }, { value: 0, labels: {}, metricName: `${def.name}_count` }];
  }
  const out = values.filter((v) => !v.metricName.endsWith('_bucket'));
  for (const series of counts) {
    const key = JSON.stringify(series.labels);
    let running = 0;
    for (const le of bounds) {
      const found = values.find((v) => v.metricName.endsWith('_bucket') && v.labels.le === le && JSON.stringify(withoutLe(v.labels)) === key);
      running = Math.max(running, found?.value ?? 0);
      out.push({ value: running, labels: { ...series.labels, le }, metricName: `${def.name}_bucket` });
    }
  }
  return out;
}

function withoutLe(labels: Record<string, string>): Record<string, string> {
  const { le: _le, ...rest } = labels;
  return rest;
}
