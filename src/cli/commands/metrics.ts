/** `exai metrics`: the metric totals of every run so far, in the Prometheus text format. */
import { EXIT } from '../../core/errors.js';
import type { Context } from '../context.js';
import type { BaseOptions, CommandSpec } from '../spec.js';

export type MetricsOptions = BaseOptions;

export const metricsSpec: CommandSpec<MetricsOptions> = {
  name: 'metrics',
  summary: 'print the metric totals in the Prometheus text format',
  help: 'Totals add up across runs (kept in the state dir). Each run also writes them to EXAI_METRICS_FILE (for node_exporter\'s textfile collector) and pushes them to EXAI_PUSHGATEWAY_URL when set.\n\nExamples:\n  exai metrics\n  exai metrics --json',
  options: [],
  load: async () => ({ run: runMetrics }),
};

/** Print the totals; --json gives the raw samples. */
export async function runMetrics(_opts: MetricsOptions, ctx: Context): Promise<number> {
  const { currentTotals } = await import('../../core/metrics/export.js');
  const totals = await currentTotals(ctx.config.dirs.state);
  if (ctx.output.json) {
    ctx.output.jsonDocument(totals.map((s) => ({ name: s.series, labels: s.labels, value: s.value })));
    return EXIT.ok;
  }
  const { renderTotals } = await import('../../core/metrics/render.js');
  ctx.output.document((await renderTotals(totals)).trimEnd());
  return EXIT.ok;
}
