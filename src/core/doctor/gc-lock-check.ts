/** doctor's gc lock check: held or not, by whom, since when, stale or not, and the fix. */
import { isExaiError } from '../errors.js';
import type { Runtime } from '../runtime.js';
import type { DoctorCheck } from './types.js';

/**
 * The gc lock of this catalog: the lockfile next to the catalog, or with SUPABASE_URL the lease
 * row of the caller's scope. A live one is fine (a gc is running); a stale one warns, because
 * until a gc takes it over (or its lease runs out) it names a holder that is gone.
 */
export async function checkGcLock(rt: Runtime): Promise<DoctorCheck[]> {
  const name = 'gc lock';
  const where = rt.shared ? (rt.config.supabaseServiceRoleKey ? 'shared, operator scope' : 'shared, your scope') : 'next to the catalog';
  const { findGcLocks } = await import('../ops/gc-unlock.js');
  let found;
  try {
    found = await findGcLocks(rt, rt.clock.now());
  } catch (error) {
    if (isExaiError(error) && error.name === 'AUTH_REQUIRED') return [{ name, status: 'ok', message: `not checked (${where}): not signed in and no service key` }];
    const message = error instanceof Error ? error.message : String(error);
    return [{ name, status: 'warn', message: `could not be read (${where}): ${message}`, hint: isExaiError(error) ? error.hint : undefined }];
  }
  const lock = found[0];
  if (lock === undefined) return [{ name, status: 'ok', message: `not held (${where})` }];
  const o = lock.owner;
  const who = o === undefined ? 'an unreadable lockfile' : `pid ${o.pid} on ${o.hostname} (user ${o.user}) since ${o.started}`;
  if (!lock.stale) {
    return [{ name, status: 'ok', message: `held (${where}) by ${who}: ${lock.reason}`, hint: `a gc is running; if you know it is gone, \`exai unlock ${lock.key} --all\` removes it` }];
  }
  return [{ name, status: 'warn', message: `stale (${where}): held by ${who}, ${lock.reason}`, hint: `the next gc takes it over; \`exai unlock ${lock.key}\` removes it now` }];
}
