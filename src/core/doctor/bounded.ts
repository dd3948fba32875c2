/**
 * Doctor's network checks (providers, Supabase Auth and REST) answer quickly: each gets a short
 * bound of its own, not a command's whole retry budget (retry.totalBudgetMs, minutes by default).
 * A check that runs past it is a failed check saying so; the other checks go on.
 */
import type { DoctorCheck } from './types.js';

/** The longest one network check may take: a diagnostic must not hang on a hung server. */
export const NETWORK_CHECK_BOUND_MS = 5_000;

/** One network check's bound: 5 s, or two request deadlines when shorter (room for one attempt or two). */
export function networkBoundMs(requestDeadlineMs: number): number {
  return Math.max(1, Math.min(NETWORK_CHECK_BOUND_MS, 2 * requestDeadlineMs));
}

/** A bound as people read it: "5s", "0.6s". */
export function boundText(ms: number): string {
  return `${Number((ms / 1000).toFixed(1))}s`;
}

/**
 * `run`'s checks, or one failed check `name` ("timed out after 5s", `hint`) once `boundMs` has
 * passed. The signal given to `run` aborts then, so the work it started stops too.
 */
export async function withinBound(name: string, boundMs: number, hint: string, run: (signal: AbortSignal) => Promise<DoctorCheck[]>): Promise<DoctorCheck[]> {
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<DoctorCheck[]>((resolve) => {
    timer = setTimeout(() => {
      resolve([{ name, status: 'fail', message: `timed out after ${boundText(boundMs)}`, hint }]);
      controller.abort(new Error(`doctor's ${boundText(boundMs)} bound`));
    }, boundMs);
  });
  try {
    // A check that fails after the bound is already answered for: the race ignores it.
    return await Promise.race([run(controller.signal), timedOut]);
  } finally {
    clearTimeout(timer);
  }
}
