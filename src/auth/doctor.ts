/**
 * `exai doctor`'s shared-backend checks: the auth server knows the session (it verifies the
 * token; nothing decoded here is trusted), and the catalog functions answer (the migrations
 * are applied and this user may call them).
 */
import { boundText, NETWORK_CHECK_BOUND_MS, withinBound } from '../core/doctor/bounded.js';
import type { DoctorCheck } from '../core/doctor/types.js';
import { DEFAULT_RETRY } from '../core/config/defaults.js';
import { isExaiError } from '../core/errors.js';
import type { UserAuth } from './session.js';
import type { AuthSettings } from './session.js';

/**
 * Session and catalog checks for `settings`, each within `boundMs` (doctor's short bound, not
 * the retry budget a command gets); never throws for a finding.
 */
export async function checkSharedBackend(settings: AuthSettings, open: () => Promise<UserAuth>, boundMs = NETWORK_CHECK_BOUND_MS): Promise<DoctorCheck[]> {
  const hint = `the Supabase project did not answer within ${boundText(boundMs)}: check SUPABASE_URL and your network (doctor waits ${boundText(boundMs)}; other commands wait up to retry.totalBudgetMs)`;
  const [session] = await withinBound('supabase session', boundMs, hint, async (signal) => [await checkSession(bounded(settings, boundMs, signal), boundMs, hint)]);
  if (session!.status !== 'ok') return [session!];
  return [session!, ...(await withinBound('supabase catalog', boundMs, hint, async () => [await checkCatalog(open)]))];
}

/** `settings` with one attempt or two inside the bound, and the bound's signal next to the run's. */
function bounded(settings: AuthSettings, boundMs: number, signal: AbortSignal): AuthSettings {
  const retry = { ...(settings.retry ?? DEFAULT_RETRY), maxAttempts: Math.min(2, settings.retry?.maxAttempts ?? 2), totalBudgetMs: boundMs };
  return { ...settings, retry, signal: settings.signal === undefined ? signal : AbortSignal.any([settings.signal, signal]) };
}

async function checkSession(settings: AuthSettings, boundMs: number, hint: string): Promise<DoctorCheck> {
  const { whoami } = await import('./login.js');
  try {
    const user = await whoami(settings);
    const until = user.expiresAt === undefined ? '' : `, token valid until ${new Date(user.expiresAt).toISOString()}`;
    return { name: 'supabase session', status: 'ok', message: `signed in as ${user.email ?? user.id} (${user.source === 'env' ? 'EXAI_ACCESS_TOKEN' : 'saved session'}${until})` };
  } catch (error) {
    // Its own deadline or budget may end a hung call just before the bound does: the same finding.
    if (settings.signal?.aborted || (isExaiError(error) && error.name === 'PROVIDER_TIMEOUT')) return { name: 'supabase session', status: 'fail', message: `timed out after ${boundText(boundMs)}`, hint };
    return failure('supabase session', error);
  }
}

async function checkCatalog(open: () => Promise<UserAuth>): Promise<DoctorCheck> {
  try {
    const { SupabaseCatalog } = await import('../catalog/supabase.js');
    const usage = await new SupabaseCatalog((await open()).client).usage('');
    return { name: 'supabase catalog', status: 'ok', message: `reachable; ${usage.usedBytes} of ${usage.quotaBytes} bytes used` };
  } catch (error) {
    const check = failure('supabase catalog', error);
    return { ...check, hint: check.hint ?? 'apply supabase/migrations to the project (see "Shared backend" in the README)' };
  }
}

function failure(name: string, error: unknown): DoctorCheck {
  if (isExaiError(error)) return { name, status: 'fail', message: error.message, hint: error.hint };
  return { name, status: 'fail', message: String(error) };
}
