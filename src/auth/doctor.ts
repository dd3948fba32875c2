/**
 * `exai doctor`'s shared-backend checks: the auth server knows the session (it verifies the
 * token; nothing decoded here is trusted), and the catalog functions answer (the migrations
 * are applied and this user may call them).
 */
import type { DoctorCheck } from '../core/doctor/types.js';
import { isExaiError } from '../core/errors.js';
import type { UserAuth } from './session.js';
import type { AuthSettings } from './session.js';

/** Session and catalog checks for `settings`; never throws for a finding. */
export async function checkSharedBackend(settings: AuthSettings, open: () => Promise<UserAuth>): Promise<DoctorCheck[]> {
  const { whoami } = await import('./login.js');
  try {
    const user = await whoami(settings);
    const until = user.expiresAt === undefined ? '' : `, token valid until ${new Date(user.expiresAt).toISOString()}`;
    const session: DoctorCheck = { name: 'supabase session', status: 'ok', message: `signed in as ${user.email ?? user.id} (${user.source === 'env' ? 'EXAI_ACCESS_TOKEN' : 'saved session'}${until})` };
    return [session, await checkCatalog(open)];
  } catch (error) {
    return [failure('supabase session', error)];
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
