/** `exai quota`: how much of the quota (local, or the shared backend's) is used, and the largest file accepted. */
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
  const usage = await (await ctx.catalog()).usage(ctx.userId);
  // The shared backend's limits are the server's (user_quotas); the local ones apply otherwise.
  const limit = usage.quotaBytes ?? ctx.config.quotaBytes;
  const maxFile = Math.min(usage.maxFileSize ?? Infinity, ctx.config.maxFileSize);
  // A non-finite quota means "unlimited" (the catalog treats it so); JSON has no Infinity.
  const limited = Number.isFinite(limit);
  const remaining = limited ? Math.max(0, limit - usage.usedBytes) : null;
  if (ctx.output.json) {
    ctx.output.jsonDocument({
      used_bytes: usage.usedBytes,
      limit_bytes: limited ? limit : null,
      remaining_bytes: remaining,
      max_file_bytes: maxFile,
      files: usage.activeFiles,
      uploading: usage.uploadingFiles,
    });
    return EXIT.ok;
  }
  const percent = limited && limit > 0 ? ` (${((usage.usedBytes / limit) * 100).toFixed(1)}%)` : '';
  ctx.output.line(`used       ${formatBytes(usage.usedBytes)} of ${limited ? formatBytes(limit) : 'unlimited'}${percent}`);
  ctx.output.line(`remaining  ${remaining === null ? 'unlimited' : formatBytes(remaining)}`);
  ctx.output.line(`max file   ${formatBytes(maxFile)}`);
  ctx.output.line(`files      ${usage.activeFiles} active, ${usage.uploadingFiles} uploading`);
  return EXIT.ok;
}
