/**
 * Metric totals across runs, in the state database (`metric_totals`): a CLI process lives for
 * one command, so a counter only means something once every run's additions are summed. Each
 * run adds its samples in one IMMEDIATE transaction, so concurrent runs never lose a count.
 */
import type { StateStore } from '../state/store.js';
import { findMetric } from './definitions.js';
import type { MetricsRecorder, Sample } from './recorder.js';

interface TotalRow {
  name: string;
  labels: string;
  value: number;
}

/** Add this run's samples (and replace gauges) in one transaction; the new totals when `readBack`. */
export function addToTotals(store: StateStore, recorder: MetricsRecorder, readBack = true): Sample[] {
  return store.transaction((db) => {
    const add = db.prepare('INSERT INTO metric_totals (name, labels, value) VALUES (?, ?, ?) ON CONFLICT (name, labels) DO UPDATE SET value = value + excluded.value');
    const set = db.prepare('INSERT INTO metric_totals (name, labels, value) VALUES (?, ?, ?) ON CONFLICT (name, labels) DO UPDATE SET value = excluded.value');
    for (const s of recorder.additions()) add.run(s.series, labelKey(s.labels), s.value);
    for (const s of recorder.replacements()) set.run(s.series, labelKey(s.labels), s.value);
    return readBack ? selectTotals(db.prepare('SELECT name, labels, value FROM metric_totals').all() as TotalRow[]) : [];
  });
}

/** Every stored total. */
export function readTotals(store: StateStore): Sample[] {
  return store.transaction((db) => selectTotals(db.prepare('SELECT name, labels, value FROM metric_totals').all() as TotalRow[]));
}

/**
 * Labels in a stable order, so one series is one row. Code-unit order, not localeCompare:
 * the first localeCompare builds an ICU collator (~6-10 ms of every run that records a
 * metric, a dedup hit included), and label names are lower-case ASCII, where both agree.
 */
function labelKey(labels: Record<string, string>): string {
  return JSON.stringify(Object.fromEntries(Object.entries(labels).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))));
}

function selectTotals(rows: TotalRow[]): Sample[] {
  const out: Sample[] = [];
  for (const row of rows) {
    const family = familyOf(row.name);
    // A row this build does not know (a newer exai wrote it) is kept in the table, not exported.
    if (family === undefined) continue;
    out.push({ family, series: row.name, labels: parseLabels(row.labels), value: row.value });
  }
  return out;
}

function familyOf(series: string): string | undefined {
  for (const suffix of ['', '_bucket', '_sum', '_count']) {
    const base = suffix === '' ? series : series.endsWith(suffix) ? series.slice(0, -suffix.length) : undefined;
    if (base === undefined) continue;
    const def = findMetric(base);
    if (def && (suffix === '' ? def.type !== 'histogram' : def.type === 'histogram')) return def.name;
  }
  return undefined;
}

function parseLabels(text: string): Record<string, string> {
  try {
    const parsed = JSON.parse(text) as unknown;
    if (typeof parsed !== 'object' || parsed === null) return {};
    return Object.fromEntries(Object.entries(parsed).filter((e): e is [string, string] => typeof e[1] === 'string'));
  } catch {
    return {};
  }
}
