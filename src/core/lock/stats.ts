/**
 * Lock counters for `exai doctor` and metrics, in `<dir>/locks/stats.json`. Best effort:
 * concurrent bumps may lose a count, and a failure to write never fails a lock operation.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { locksDirOf, writeAtomic } from './file.js';

/** How often acquiring had to wait, took over a stale lock, or gave up. */
export interface LockStats {
  waits: number;
  takeovers: number;
  timeouts: number;
}

function statsPath(dir: string): string {
  return path.join(locksDirOf(dir), 'stats.json');
}

function count(value: unknown): number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0 ? value : 0;
}

/** Read the counters under state dir `dir` (zeros when there are none yet). */
export async function lockStats(dir: string): Promise<LockStats> {
  try {
    const data = JSON.parse(await fs.readFile(statsPath(dir), 'utf8')) as Record<string, unknown>;
    return { waits: count(data.waits), takeovers: count(data.takeovers), timeouts: count(data.timeouts) };
  } catch {
    return { waits: 0, takeovers: 0, timeouts: 0 };
  }
}

/** Add one to a counter; errors are swallowed on purpose (stats must never break locking). */
export async function bumpLockStat(dir: string, name: keyof LockStats): Promise<void> {
  try {
    const stats = await lockStats(dir);
    stats[name] += 1;
    await writeAtomic(statsPath(dir), `${JSON.stringify(stats)}\n`);
  } catch {
    // best effort
  }
}
