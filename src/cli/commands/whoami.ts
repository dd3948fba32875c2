/** `exai whoami`: who the shared backend says you are (it verifies the token, we don't). */
import { EXIT } from '../../core/errors.js';
import type { Context } from '../context.js';
import type { BaseOptions, CommandSpec } from '../spec.js';

export const whoamiSpec: CommandSpec<BaseOptions> = {
  name: 'whoami',
  summary: 'show the signed-in user of the shared backend',
  help: 'Asks the auth server who the saved session (or EXAI_ACCESS_TOKEN) belongs to; exit 4 with a hint when there is none.\n\nExamples:\n  exai whoami\n  exai whoami --json',
  options: [],
  load: async () => ({ run: runWhoami }),
};

/** Exit 4 with a hint when there is no valid session. */
export async function runWhoami(_opts: BaseOptions, ctx: Context): Promise<number> {
  const { authSettingsFrom } = await import('../../auth/settings.js');
  const { whoami } = await import('../../auth/login.js');
  const user = await whoami({ ...authSettingsFrom(ctx.config, undefined, () => ctx.dispatcher(), ctx.signal), onSecret: (s: string) => ctx.output.learnSecret(s) });
  const expires = user.expiresAt === undefined ? null : new Date(user.expiresAt).toISOString();
  if (ctx.output.json) {
    ctx.output.jsonDocument({ id: user.id, email: user.email ?? null, role: user.role ?? null, source: user.source, expires_at: expires });
    return EXIT.ok;
  }
  ctx.output.line(`${user.email ?? '(no email)'}  ${user.id}`);
  ctx.output.line(`from ${user.source === 'env' ? 'EXAI_ACCESS_TOKEN' : 'the saved session'}${expires ? `, token valid until ${expires}` : ''}`);
  return EXIT.ok;
}
