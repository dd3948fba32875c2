/** `exai logout`: revoke the session at the server when reachable, and delete it here. */
import { EXIT } from '../../core/errors.js';
import type { Context } from '../context.js';
import type { BaseOptions, CommandSpec } from '../spec.js';

export const logoutSpec: CommandSpec<BaseOptions> = {
  name: 'logout',
  summary: 'sign out of the shared backend and delete the saved session',
  help: 'Revokes the session at the auth server when it can be reached, and always deletes the saved session file.\n\nExamples:\n  exai logout\n  exai logout --json',
  options: [],
  load: async () => ({ run: runLogout }),
};

/** Always exit 0: after it, no session is left on this machine. */
export async function runLogout(_opts: BaseOptions, ctx: Context): Promise<number> {
  const { authSettingsFrom } = await import('../../auth/settings.js');
  const { logout } = await import('../../auth/login.js');
  const result = await logout({ ...authSettingsFrom(ctx.config, undefined, () => ctx.dispatcher(), ctx.signal), onSecret: (s: string) => ctx.output.learnSecret(s) });
  if (ctx.output.json) ctx.output.jsonDocument({ logged_out: result.hadSession, revoked: result.revoked });
  else ctx.output.info(result.hadSession ? 'logged out' : 'not logged in');
  // The local session is gone either way; the user should know the server still honours it.
  if (result.hadSession && !result.revoked) ctx.output.warn('the auth server could not revoke the session (unreachable or refused): its refresh token stays valid at the server until it expires');
  return EXIT.ok;
}
