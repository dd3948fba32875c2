/** Turning gc's flags and config into a policy, and the safety checks around it. */
import type { ProviderName } from '../config/types.js';
import { ExaiError } from '../errors.js';
import { formatDuration } from '../units.js';
import type { GcPlan, GcPolicy } from './types.js';

/** A provider file younger than this is never called an orphan (an upload may be finishing). */
export const ORPHAN_MIN_AGE_MS = 60 * 60_000;

const DAY_MS = 86_400_000;

/** What the operator asked for. */
export interface GcRequest {
  /** --older-than, in ms, when given: the only way to ask for a zero policy. */
  olderThanMs?: number | undefined;
  /** retentionDays from config: the default policy. */
  retentionDays: number;
  provider?: ProviderName | undefined;
  onlyFailed: boolean;
  orphans: boolean;
}

/** The policy for one run; a zero or negative retention is refused unless --older-than said so. */
export function resolveGcPolicy(request: GcRequest): GcPolicy {
  const explicit = request.olderThanMs !== undefined;
  const olderThanMs = request.olderThanMs ?? request.retentionDays * DAY_MS;
  if (!Number.isFinite(olderThanMs) || olderThanMs < 0 || (olderThanMs === 0 && !explicit)) {
    throw new ExaiError('USAGE', `refusing a retention policy of ${formatDuration(olderThanMs)}: it would delete every file`, {
      hint: 'set retentionDays to 1 or more, or pass --older-than 0 if you really mean everything',
    });
  }
  return { olderThanMs, provider: request.provider, onlyFailed: request.onlyFailed, orphans: request.orphans, orphanMinAgeMs: ORPHAN_MIN_AGE_MS };
}

/** --max-delete: refuse the whole run (delete nothing) when the plan would go over it. */
export function checkDeleteLimit(plan: GcPlan, maxDelete: number | undefined): void {
  if (maxDelete === undefined || plan.delete.length <= maxDelete) return;
  throw new ExaiError('DELETE_LIMIT_EXCEEDED', `gc would delete ${plan.delete.length} files, more than --max-delete ${maxDelete}; nothing was deleted`, {
    hint: 'check the plan with --dry-run, then raise --max-delete or narrow it with --provider / --older-than',
    details: { planned: plan.delete.length, max_delete: maxDelete },
  });
}
