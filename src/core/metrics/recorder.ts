/**
 * What one run adds to the metrics, kept as plain numbers: no prom-client here, so recording
 * costs a map update and a run with nothing configured never loads it. Histograms are kept as
 * Prometheus samples already (cumulative `_bucket{le}`, `_sum`, `_count`), ready to be added.
 */
import { METRICS, type MetricDef, type MetricKey } from './definitions.js';

/** One sample: a series name (`x_bucket`, `x_sum`, or the family name), its labels, a value. */
export interface Sample {
  family: string;
  series: string;
  labels: Record<string, string>;
  value: number;
}

/** The recording half: core code takes this interface, never prom-client. */
export interface MetricsSink {
  inc(key: MetricKey, labels?: Record<string, string>, by?: number): void;
  observe(key: MetricKey, labels: Record<string, string>, value: number): void;
  /** Gauges: the value replaces the stored one. */
  set(key: MetricKey, value: number): void;
}

/** A sink that also hands back what was recorded. */
export interface MetricsRecorder extends MetricsSink {
  /** Samples to add to the totals (counters, histograms). */
  additions(): Sample[];
  /** Samples that replace the totals (gauges). */
  replacements(): Sample[];
  isEmpty(): boolean;
}

/** A fresh, empty recorder for one run. */
export function createRecorder(): MetricsRecorder {
  const adds = new Map<string, Sample>();
  const sets = new Map<string, Sample>();
  const add = (family: MetricDef, series: string, labels: Record<string, string>, by: number): void => {
    const id = `${series}${JSON.stringify(labels)}`;
    const current = adds.get(id);
    if (current) current.value += by;
    else adds.set(id, { family: family.name, series, labels, value: by });
  };
  return {
    inc: (key, labels = {}, by = 1) => add(METRICS[key], METRICS[key].name, labels, by),
    observe: (key, labels, value) => {
      const def: MetricDef = METRICS[key];
      for (const le of def.buckets ?? []) if (value <= le) add(def, `${def.name}_bucket`, { ...labels, le: String(le) }, 1);
      add(def, `${def.name}_bucket`, { ...labels, le: '+Inf' }, 1);
      add(def, `${def.name}_sum`, labels, value);
      add(def, `${def.name}_count`, labels, 1);
    },
    set: (key, value) => void sets.set(key, { family: METRICS[key].name, series: METRICS[key].name, labels: {}, value }),
    additions: () => [...adds.values()],
    replacements: () => [...sets.values()],
    isEmpty: () => adds.size === 0 && sets.size === 0,
  };
}

/** A sink that drops everything (library use, tests). */
export const NULL_SINK: MetricsSink = { inc: () => undefined, observe: () => undefined, set: () => undefined };
