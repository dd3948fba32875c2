/**
 * The end of every run: add what it recorded to the totals (one transaction), then — only
 * when a sink is configured — render them with prom-client and write the textfile
 * (temp file + rename, for node_exporter) and/or push them (job="exai", instance=<host>).
 */
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { ExaiError } from '../errors.js';
import type { MetricsRecorder, Sample } from './recorder.js';

/** Where totals go. */
export interface MetricsTargets {
  stateDir: string;
  metricsFile?: string | undefined;
  pushgatewayUrl?: string | undefined;
  hostname?: string | undefined;
  /** Pushgateway request timeout (ms). */
  pushTimeoutMs?: number | undefined;
}

/** Persist this run's metrics and export the totals; a run that recorded nothing costs nothing. */
export async function flushMetrics(recorder: MetricsRecorder, targets: MetricsTargets): Promise<void> {
  if (recorder.isEmpty()) return;
  const { openStateStore } = await import('../state/store.js');
  const { addToTotals } = await import('./totals.js');
  const exporting = targets.metricsFile !== undefined || targets.pushgatewayUrl !== undefined;
  const store = await openStateStore(targets.stateDir);
  let totals: Sample[];
  try {
    totals = addToTotals(store, recorder, exporting);
  } finally {
    store.close();
  }
  if (exporting) await exportTotals(totals, targets);
}

/** Render `totals` and send them to the configured textfile and/or Pushgateway. */
export async function exportTotals(totals: readonly Sample[], targets: MetricsTargets): Promise<void> {
  const { registryOf } = await import('./render.js');
  const registry = await registryOf(totals);
  if (targets.metricsFile !== undefined) await writeTextfile(targets.metricsFile, await registry.metrics());
  if (targets.pushgatewayUrl !== undefined) {
    const { Pushgateway } = await import('prom-client');
    const gateway = new Pushgateway(targets.pushgatewayUrl, { timeout: targets.pushTimeoutMs ?? 5_000 }, registry);
    try {
      // PUT, not POST: the totals are complete, so they replace the group's previous ones.
      await gateway.push({ jobName: 'exai', groupings: { instance: targets.hostname ?? os.hostname() } });
    } catch (error) {
      throw new ExaiError('INTERNAL', `could not push metrics to the Pushgateway: ${(error as Error).message}`, { hint: 'check EXAI_PUSHGATEWAY_URL', cause: error });
    }
  }
}

/** node_exporter must never read a half-written file: write beside it, then rename over it. */
async function writeTextfile(file: string, text: string): Promise<void> {
  const temp = path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.tmp`);
  try {
    await fs.writeFile(temp, text, { mode: 0o644 });
    await fs.rename(temp, file);
  } catch (error) {
    await fs.rm(temp, { force: true });
    throw new ExaiError('PERMISSION_DENIED', `could not write metrics to ${file}: ${(error as Error).message}`, { hint: 'check EXAI_METRICS_FILE and its directory', path: file, cause: error });
  }
}

/** Current totals, for `exai metrics` (nothing is created when nothing was ever recorded). */
export async function currentTotals(stateDir: string): Promise<Sample[]> {
  const { openStateStore, stateStoreExists } = await import('../state/store.js');
  if (!(await stateStoreExists(stateDir))) return [];
  const { readTotals } = await import('./totals.js');
  const store = await openStateStore(stateDir);
  try {
    return readTotals(store);
  } finally {
    store.close();
  }
}
