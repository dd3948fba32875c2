/** When gc last finished, for `--if-due` and `exai_last_gc_timestamp_seconds`. */
import { openStateStore, stateStoreExists } from '../state/store.js';

const KEY = 'gc.last_run_ms';

/** Epoch ms of the last finished gc, or undefined when it never ran (reads without creating anything). */
export async function readLastGcRun(stateDir: string): Promise<number | undefined> {
  if (!(await stateStoreExists(stateDir))) return undefined;
  try {
    const store = await openStateStore(stateDir);
    try {
      const value = Number(store.get(KEY));
      return Number.isFinite(value) && value > 0 ? value : undefined;
    } finally {
      store.close();
    }
  } catch {
    // An unreadable state file must not stop gc: it is then simply due.
    return undefined;
  }
}

/** Record that gc finished at `now`. Only a finished, non-dry run records itself. */
export async function recordGcRun(stateDir: string, now: number): Promise<void> {
  const store = await openStateStore(stateDir);
  try {
    store.set(KEY, String(now));
  } finally {
    store.close();
  }
}

/** True when `--if-due` should skip: the last run is more recent than `intervalMs`. */
export function gcNotDue(lastRun: number | undefined, now: number, intervalMs: number): boolean {
  return lastRun !== undefined && now - lastRun < intervalMs && now >= lastRun;
}

/** Whether gc is due, and when it ran and next will be (for `--if-due` reports). */
export interface GcSchedule {
  due: boolean;
  /** Epoch ms of the last finished gc; undefined when it never ran. */
  lastRunAt: number | undefined;
  /** Epoch ms from which `--if-due` runs again; undefined when it is due now. */
  nextDueAt: number | undefined;
  intervalMs: number;
}

/** The schedule at `now`: not due only while the last run is within `intervalMs`. */
export function gcSchedule(lastRun: number | undefined, now: number, intervalMs: number): GcSchedule {
  const notDue = gcNotDue(lastRun, now, intervalMs);
  return { due: !notDue, lastRunAt: lastRun, nextDueAt: notDue && lastRun !== undefined ? lastRun + intervalMs : undefined, intervalMs };
}
