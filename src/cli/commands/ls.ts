/** `exai ls`: the catalog rows of the current user, newest first. */
import type { FileStatus } from '../../catalog/types.js';
import type { ProviderName } from '../../core/config/types.js';
import { EXIT, ExaiError } from '../../core/errors.js';
import { parseDuration } from '../../core/units.js';
import type { Context } from '../context.js';
import { parsePositiveInt } from '../parse.js';
import type { BaseOptions, CommandSpec } from '../spec.js';

export interface LsOptions extends BaseOptions {
  provider?: ProviderName;
  status?: FileStatus;
  /** Already parsed: a duration back from now, or an absolute time (epoch ms). */
  since?: SinceValue;
  limit?: number;
  all?: boolean;
}

/** --since as parsed: "7d" is relative to the run's clock, "2025-03-01" is absolute. */
export type SinceValue = { kind: 'ago'; ms: number } | { kind: 'at'; ms: number };

const STATUSES: readonly FileStatus[] = ['uploading', 'active', 'failed', 'deleted'];

export const lsSpec: CommandSpec<LsOptions> = {
  name: 'ls',
  summary: 'list uploaded files from the catalog',
  help: 'List uploaded files from the catalog, newest first. By default only files that are there or on their way (active, uploading); --status picks one status, --all shows every row (failed and deleted too).\n\nNames are shown relative to the current directory.',
  examples: ['exai ls', 'exai ls --since 7d', 'exai ls --status failed', 'exai ls --all --provider kimi --json'],
  options: [
    { flags: '--provider <name>', description: 'only this provider', choices: ['kimi', 'glm', 'local'] },
    { flags: '--status <status>', description: `only rows with this status (${STATUSES.join(', ')})`, parse: parseStatus, defaultText: 'active and uploading' },
    { flags: '--all', description: 'every row, whatever its status' },
    { flags: '--since <when>', description: 'only files created within this long (7d, 12h) or since a date (2025-03-01)', parse: parseSince },
    { flags: '--limit <n>', description: 'show at most n rows', parse: parsePositiveInt('--limit', 1_000_000) },
  ],
  load: async () => ({ run: runLs }),
};

/** A --status value, or a usage error listing the valid ones. */
export function parseStatus(value: string): FileStatus {
  const status = STATUSES.find((s) => s === value.trim().toLowerCase());
  if (status === undefined) throw new ExaiError('USAGE', `--status must be one of ${STATUSES.join(', ')}, got "${value}"`);
  return status;
}

/** A --since value: a duration ("7d", "12h") or an ISO date/time. */
export function parseSince(value: string): SinceValue {
  const duration = parseDuration(value);
  if (duration.ok) return { kind: 'ago', ms: duration.value };
  // Only date-shaped text goes to Date.parse, which would otherwise accept odd strings.
  const at = /^\d{4}-\d{2}-\d{2}/.test(value.trim()) ? Date.parse(value.trim()) : Number.NaN;
  if (Number.isFinite(at)) return { kind: 'at', ms: at };
  throw new ExaiError('USAGE', `--since must be a duration like 7d or 12h, or a date like 2025-03-01, got "${value}"`);
}


/** List rows; an empty list is not an error. */
export async function runLs(opts: LsOptions, ctx: Context): Promise<number> {
  const { formatRecordTable, recordToJson } = await import('../format-record.js');
  const { listFiles } = await import('../../core/ops/catalog-ops.js');
  const since = opts.since === undefined ? undefined : opts.since.kind === 'ago' ? ctx.clock.now() - opts.since.ms : opts.since.ms;
  const rows = await listFiles(ctx, { ...opts, since });
  if (ctx.output.json) ctx.output.jsonDocument(rows.map(recordToJson));
  else if (rows.length === 0) ctx.output.info('no files');
  else for (const line of formatRecordTable(rows, ctx.cwd)) ctx.output.line(line);
  return EXIT.ok;
}
