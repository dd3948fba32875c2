/** `exai quota`: how much of the local quota is used, and the largest file accepted. */
import { EXIT } from '../../core/errors.js';
import { formatBytes } from '../../core/units.js';
import type { Context } from '../context.js';
import type { BaseOptions, CommandSpec } from '../spec.js';

export const quotaSpec: CommandSpec<BaseOptions> = {
  name: 'quota',
  summary: 'show quota used, remaining and the largest file accepted',
  examples: ['exai quota', 'exai quota --json'],
  options: [],
  load: async () => ({ run: runQuota }),
};

/** Print the user's usage against config.quotaBytes. */
export async function runQuota(_opts: BaseOptions, ctx: Context): Promise<number> {
  const { getQuota } = await import('../../core/ops/catalog-ops.js');
  const quota = await getQuota(ctx);
  if (ctx.output.json) {
    ctx.output.jsonDocument(quota);
    return EXIT.ok;
  }
  const { used_bytes: used, limit_bytes: limit, remaining_bytes: remaining } = quota;
  const percent = limit !== null && limit > 0 ? ` (${((used / limit) * 100).toFixed(1)}%)` : '';
  ctx.output.line(`used       ${formatBytes(used)} of ${limit !== null ? formatBytes(limit) : 'unlimited'}${percent}`);
  ctx.output.line(`remaining  ${remaining === null ? 'unlimited' : formatBytes(remaining)}`);
  ctx.output.line(`max file   ${formatBytes(quota.max_file_bytes)}`);
  ctx.output.line(`files      ${quota.files} active, ${quota.uploading} uploading`);
  return EXIT.ok;
}
