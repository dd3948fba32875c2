/** `exai doctor [--json]`: config, dirs, file modes, providers, breakers, catalog, locks, Node. */
import { EXIT } from '../../core/errors.js';
import type { CheckRun, DoctorCheck } from '../../core/doctor/index.js';
import type { Context } from '../context.js';
import type { BaseOptions, CommandSpec } from '../spec.js';

export type DoctorOptions = BaseOptions;

export const doctorSpec: CommandSpec<DoctorOptions> = {
  name: 'doctor',
  summary: 'check config, dirs, providers, breakers, catalog, locks and the gc lock',
  help: 'Each check prints ok, warn or fail with a hint. Exit 0 when nothing fails, 1 otherwise. Never prints a secret.\nThe gc lock check says whether a gc holds this catalog\'s gc lock (the lockfile next to the catalog, or with SUPABASE_URL the database lease), by whom, since when, and whether it is stale.\nAn invalid or unsafe config file or EXAI_* value does not stop doctor (other commands exit 9): each is a failed config check naming the key, where it came from, the rule and the fix, and the other checks run with the default in its place.\n\nExamples:\n  exai doctor\n  exai doctor --json',
  options: [],
  reportsConfigProblems: true,
  load: async () => ({ run: runDoctorCommand }),
};

/** Run the checks, print them, exit 1 when any failed. */
export async function runDoctorCommand(_opts: DoctorOptions, ctx: Context): Promise<number> {
  const { runDoctor, anyFailed } = await import('../../core/doctor/index.js');
  const { createBreakerStore } = await import('../../core/resilience.js');
  const { networkBoundMs } = await import('../../core/doctor/bounded.js');
  const boundMs = networkBoundMs(ctx.config.http.requestDeadlineMs);
  const checks = await runDoctor({
    loaded: ctx.loaded,
    registry: await ctx.providers(),
    breakers: createBreakerStore(ctx.config.dirs.state, ctx.config.breaker, ctx.clock),
    now: ctx.clock.now(),
    nodeVersion: process.versions.node,
    providerTimeoutMs: boundMs,
    extraChecks: [...supabaseChecks(ctx, boundMs), () => gcLockCheck(ctx)],
  });
  const failed = anyFailed(checks);
  if (ctx.output.json) ctx.output.jsonDocument({ ok: !failed, checks: checks.map(toJson) });
  else print(ctx, checks);
  return failed ? EXIT.failure : EXIT.ok;
}

async function gcLockCheck(ctx: Context): Promise<DoctorCheck[]> {
  const { checkGcLock } = await import('../../core/doctor/gc-lock-check.js');
  return checkGcLock(ctx);
}

/** With SUPABASE_URL: the session (verified by the auth server) and the catalog functions, each within doctor's bound. */
function supabaseChecks(ctx: Context, boundMs: number): CheckRun[] {
  if (!ctx.shared) return [];
  return [
    async () => {
      const { authSettingsFrom } = await import('../../auth/settings.js');
      const { checkSharedBackend } = await import('../../auth/doctor.js');
      try {
        return await checkSharedBackend({ ...authSettingsFrom(ctx.config, undefined, () => ctx.dispatcher(), ctx.signal), onSecret: (s: string) => ctx.output.learnSecret(s) }, () => ctx.sharedAuth(), boundMs);
      } catch (error) {
        return [{ name: 'supabase', status: 'fail', message: (error as Error).message, hint: (error as { hint?: string }).hint }];
      }
    },
  ];
}

function toJson(c: DoctorCheck): Record<string, unknown> {
  return { name: c.name, status: c.status, message: c.message, ...(c.hint === undefined ? {} : { hint: c.hint }) };
}

function print(ctx: Context, checks: readonly DoctorCheck[]): void {
  const { chalk } = ctx.output;
  const mark = { ok: chalk.green('ok  '), warn: chalk.yellow('warn'), fail: chalk.red('FAIL') } as const;
  for (const c of checks) {
    ctx.output.line(`${mark[c.status]}  ${c.name}: ${c.message}`);
    if (c.hint !== undefined && c.status !== 'ok') ctx.output.line(`      hint: ${c.hint}`);
  }
  const count = (s: DoctorCheck['status']) => checks.filter((c) => c.status === s).length;
  ctx.output.info(`${count('ok')} ok, ${count('warn')} warnings, ${count('fail')} failed`);
}
