/** `exai login`: sign in to the shared backend; the session is kept in a private file and refreshed. */
import { EXIT, ExaiError } from '../../core/errors.js';
import type { Context } from '../context.js';
import type { BaseOptions, CommandSpec } from '../spec.js';

export interface LoginOptions extends BaseOptions {
  email?: string;
  passwordStdin?: boolean;
  tokenStdin?: boolean;
}

export const loginSpec: CommandSpec<LoginOptions> = {
  name: 'login',
  summary: 'sign in to the shared Supabase backend (SUPABASE_URL)',
  help: [
    'Asks for email and password on a terminal. Without one, pass the password or an access',
    'token on standard input. The session is kept in a 0600 file under the state dir.',
    '',
    'Examples:',
    '  exai login',
    '  printf %s "$PASSWORD" | exai login --email me@example.com --password-stdin',
    '  printf %s "$TOKEN" | exai login --token-stdin',
  ].join('\n'),
  options: [
    { flags: '--email <email>', description: 'the account email (asked on a terminal when missing)', anyText: true },
    { flags: '--password-stdin', description: 'read the password from standard input' },
    { flags: '--token-stdin', description: 'read a user access token from standard input instead of a password' },
  ],
  load: async () => ({ run: runLogin }),
};

/** Sign in and say as whom; exit 4 when the server refuses. */
export async function runLogin(opts: LoginOptions, ctx: Context): Promise<number> {
  const { authSettingsFrom } = await import('../../auth/settings.js');
  const { loginWithPassword, loginWithToken } = await import('../../auth/login.js');
  const onSecret = (secret: string) => ctx.output.learnSecret(secret);
  const settings = { ...authSettingsFrom(ctx.config, undefined, () => ctx.dispatcher(), ctx.signal), onSecret, accessToken: undefined };
  if (opts.passwordStdin && opts.tokenStdin) throw new ExaiError('USAGE', '--password-stdin and --token-stdin cannot be used together');
  const credentials = opts.tokenStdin ? undefined : await askCredentials(opts, ctx);
  const token = credentials ? undefined : await readSecretFromStdin(ctx, 'token');
  // What was typed or piped in is masked too: a server may quote the password or token back.
  for (const secret of [credentials?.password, token]) if (secret !== undefined) onSecret(secret);
  const { startQuietSpinner } = await import('../spinner.js');
  const spinner = startQuietSpinner(ctx.output, `signing in to ${settings.url}…`);
  const user = await (credentials ? loginWithPassword(settings, credentials.email, credentials.password) : loginWithToken(settings, token ?? '')).finally(() => spinner.stop());
  if (ctx.output.json) {
    ctx.output.jsonDocument({ id: user.id, email: user.email ?? null, expires_at: user.expiresAt ? new Date(user.expiresAt).toISOString() : null });
  } else {
    ctx.output.info(`logged in as ${user.email ?? user.id} (${user.id})`);
  }
  return EXIT.ok;
}

/** Email and password: from flags and stdin, or asked on the terminal with one prompter for both. */
async function askCredentials(opts: LoginOptions, ctx: Context): Promise<{ email: string; password: string }> {
  const given = opts.email?.trim() ?? '';
  if (opts.passwordStdin) {
    if (given === '') throw new ExaiError('USAGE', '--password-stdin needs --email <email>');
    return { email: given, password: await readSecretFromStdin(ctx, 'password') };
  }
  if (!onTerminal(ctx)) throw new ExaiError('USAGE', 'no terminal to ask for the email and password on', { hint: 'pass --email <email> and pipe the password in with --password-stdin' });
  const { openPrompter } = await import('../prompt.js');
  const prompter = await openPrompter(ctx.output);
  try {
    const email = given !== '' ? given : await prompter.ask('Email: ');
    return { email, password: await prompter.ask('Password: ', true) };
  } finally {
    prompter.close();
  }
}

/** Standard input minus one trailing newline (what `echo` adds); empty is a usage error. */
async function readSecretFromStdin(ctx: Context, what: string): Promise<string> {
  const text = (await ctx.readStdin()).replace(/\r?\n$/, '');
  if (text === '') throw new ExaiError('USAGE', `no ${what} on standard input`);
  return text;
}

function onTerminal(ctx: Context): boolean {
  return ctx.output.streams.stdinIsTTY && ctx.output.streams.stderrIsTTY;
}
