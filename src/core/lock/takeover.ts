/** The guarded part of a stale takeover: re-read, re-judge, rename aside, delete. */
import { readLock, removeAside, type LockRead } from './file.js';
import { judgeLock, type JudgeEnv, type LockVerdict } from './stale.js';

/** What a guarded removal found. */
export type RemoveOutcome = 'removed' | 'gone' | 'live';

/**
 * Call only while holding the break guard. The judgement made before taking the guard may be
 * out of date (someone else took over and a fresh lock now sits there), so judge again on a
 * fresh read: nobody can change the file between this read and our rename (guard held, and
 * O_EXCL creation cannot happen while the file exists).
 */
export async function removeAsideIfStale(
  lockPath: string,
  env: JudgeEnv,
  force = false,
): Promise<RemoveOutcome> {
  const outcome = await removeAsideJudged(lockPath, env, force);
  return outcome.kind;
}

/** Like removeAsideIfStale, also returning what was read and the verdict (for `exai unlock`). */
export async function removeAsideJudged(
  lockPath: string,
  env: JudgeEnv,
  force: boolean,
): Promise<{ kind: RemoveOutcome; read?: LockRead; verdict?: LockVerdict }> {
  const read = await readLock(lockPath);
  if (!read) return { kind: 'gone' };
  const verdict = judgeLock(read, env);
  if (!verdict.stale && !force) return { kind: 'live', read, verdict };
  return { kind: (await removeAside(lockPath)) ? 'removed' : 'gone', read, verdict };
}
