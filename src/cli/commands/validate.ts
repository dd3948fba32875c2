/** `exai validate <paths…>`: the safe read path and the rule list, reported for every file. */
import { EXIT, ExaiError } from '../../core/errors.js';
import { formatBytes } from '../../core/units.js';
import type { Config } from '../../core/config/types.js';
import type { HashCache } from '../../core/files/hash-cache.js';
import type { AllowlistChoice } from '../../core/validate/allowlist.js';
import type { ValidationReport } from '../../core/validate/report.js';
import type { Context } from '../context.js';
import { parseConfigFlag } from '../parse.js';
import type { BaseOptions, CommandSpec } from '../spec.js';
import { printRejection } from '../upload-report.js';

/** How the results are written: lines for people, one JSON array, or JUnit XML for CI. */
export type Reporter = 'human' | 'json' | 'junit';

export interface ValidateOptions extends BaseOptions {
  maxSize?: string;
  allowMime?: string[];
  blockExt?: string[];
  blockMime?: string[];
  for?: string;
  reporter?: Reporter;
}

export const validateSpec: CommandSpec<ValidateOptions> = {
  name: 'validate',
  args: '<paths...>',
  summary: 'check files against the path policy and the validation rules',
  help: 'Check files against the path policy and the validation rules; nothing is sent anywhere.\n\nAn argument that matches no file (an empty directory, a glob with no match) is a usage error.',
  examples: ['exai validate report.pdf notes/', "exai validate 'dist/**/*.pdf' --json", 'exai validate docs --reporter junit > validate.xml', 'exai validate big.bin --max-size 1GiB'],
  options: [
    { flags: '--max-size <size>', description: 'largest file allowed for this run (100MB, 512MiB, bytes)', parse: parseConfigFlag('maxFileSize', '--max-size'), defaultText: 'config maxFileSize, 512 MiB' },
    { flags: '--allow-mime <type>', description: 'allow a MIME type for this run (repeatable)', repeatable: true, parse: parseConfigFlag('allowedMimeTypes', '--allow-mime') },
    { flags: '--block-ext <ext>', description: 'block an extension for this run (repeatable)', repeatable: true, parse: parseConfigFlag('blockedExtensions', '--block-ext') },
    { flags: '--block-mime <type>', description: 'refuse a MIME type for this run (repeatable)', repeatable: true, parse: parseConfigFlag('blockedMimeTypes', '--block-mime') },
    { flags: '--for <provider:purpose>', description: 'judge against what this destination accepts (e.g. kimi:file-extract)', anyText: true },
    { flags: '--reporter <name>', description: 'output format (--json is --reporter json)', choices: ['human', 'json', 'junit'], defaultText: 'human' },
  ],
  load: async () => ({ run: runValidate }),
};

// Below this size re-reading costs less than a SQLite lookup and write: the cache only
// pays off for files whose read pass is measurable (bench/validate.mjs).
const HASH_CACHE_MIN_BYTES = 256n * 1024n;

/** Validate every file; exit 0 when all pass, 3 when any fails. */
export async function runValidate(opts: ValidateOptions, ctx: Context): Promise<number> {
  const reporter = chooseReporter(opts);
  if (reporter === 'json') ctx.output.configure({ json: true });
  const started = Date.now();
  const config = await applyOverrides(opts, ctx);
  const allowlist = await chooseRunAllowlist(opts, ctx);
  const cachePromise = openCacheQuietly(ctx, config.dirs.state);
  const { expandInputs } = await import('../../core/files/expand.js');
  const { pathPolicyFor } = await import('../../core/files/policy.js');
  const expanded = await expandInputs(opts.args, ctx.cwd, pathPolicyFor(config, ctx.cwd)).catch(async (error: unknown) => {
    (await cachePromise)?.close();
    throw error;
  });
  const cache = await cachePromise;
  let timed: TimedReports;
  try {
    timed = await inspectAll(expanded.files, { config, allowlist }, ctx, cache);
  } finally {
    cache?.close();
  }
  const { reportUnreadable } = await import('../../core/validate/report.js');
  const pathErrors = expanded.errors.map(reportUnreadable);
  const reports = [...timed.reports, ...pathErrors];
  const seconds = (Date.now() - started) / 1000;
  if (reporter === 'json') ctx.output.jsonDocument(reports);
  else if (reporter === 'junit') await writeJUnit(ctx, reports, { caseSeconds: [...timed.seconds, ...pathErrors.map(() => 0)], seconds, started, allowlist: allowlist.name });
  else writeHuman(ctx, reports);
  const failed = reports.filter((r) => !r.valid).length;
  const against = allowlist.source === 'default' ? '' : ` (allowlist: ${allowlist.name})`;
  ctx.output.info(`${reports.length - failed} valid, ${failed} rejected${against}`);
  return failed > 0 ? EXIT.validation : EXIT.ok;
}

function chooseReporter(opts: ValidateOptions): Reporter {
  if (opts.json === true && opts.reporter !== undefined && opts.reporter !== 'json') {
    throw new ExaiError('USAGE', `--json and --reporter ${opts.reporter} ask for different outputs; pick one.`);
  }
  return opts.reporter ?? (opts.json === true ? 'json' : 'human');
}

async function applyOverrides(opts: ValidateOptions, ctx: Context): Promise<Config> {
  const { applyFlagOverrides } = await import('../../core/config/load.js');
  const flags: Record<string, { value: string; flag: string }> = {};
  if (opts.maxSize) flags['maxFileSize'] = { value: opts.maxSize, flag: '--max-size' };
  if (opts.blockMime?.length) flags['blockedMimeTypes'] = { value: [...ctx.config.blockedMimeTypes, ...opts.blockMime].join(','), flag: '--block-mime' };
  if (opts.blockExt?.length) flags['blockedExtensions'] = { value: [...ctx.config.blockedExtensions, ...opts.blockExt].join(','), flag: '--block-ext' };
  return applyFlagOverrides(ctx.loaded, flags).config;
}

// --allow-mime is not merged into the config: it goes on top of whichever list applies, and
// naming a type is what lets active content of that type through.
async function chooseRunAllowlist(opts: ValidateOptions, ctx: Context): Promise<AllowlistChoice> {
  const { chooseAllowlist } = await import('../../core/validate/allowlist.js');
  const destination = opts.for === undefined ? undefined : await (await import('../../providers/accepts.js')).parseDestination(opts.for);
  const configuredByUser = ctx.loaded.sources['allowedMimeTypes']?.kind !== 'default';
  return chooseAllowlist({ destination, configured: ctx.config.allowedMimeTypes, configuredByUser, extra: opts.allowMime ?? [] });
}

// The cache only saves re-reading; a read-only or locked state dir must not fail validation.
async function openCacheQuietly(ctx: Context, stateDir: string): Promise<HashCache | undefined> {
  try {
    const { openHashCache } = await import('../../core/files/hash-cache.js');
    return onlyLargeFiles(await openHashCache(stateDir));
  } catch (error) {
    ctx.output.warn(`hash cache unavailable, every file will be read: ${(error as Error).message}`);
    return undefined;
  }
}

function onlyLargeFiles(cache: HashCache): HashCache {
  return {
    get: (identity) => (identity.size >= HASH_CACHE_MIN_BYTES ? cache.get(identity) : undefined),
    set: (identity, entry) => {
      if (identity.size >= HASH_CACHE_MIN_BYTES) cache.set(identity, entry);
    },
    close: () => cache.close(),
  };
}

interface TimedReports {
  reports: ValidationReport[];
  seconds: number[];
}

interface RunSettings {
  config: Config;
  allowlist: AllowlistChoice;
}

async function inspectAll(files: readonly string[], run: RunSettings, ctx: Context, hashCache: HashCache | undefined): Promise<TimedReports> {
  const { inspectFile, toValidationReport, rulesFor } = await import('../../core/validate/index.js');
  const config = run.config;
  const { mapLimit } = await import('../../core/concurrency.js');
  const { createProgressLine } = await import('../progress.js');
  const { pathPolicyFor } = await import('../../core/files/policy.js');
  const policy = pathPolicyFor(config, ctx.cwd);
  const rules = rulesFor(config, run.allowlist);
  const progress = createProgressLine(ctx.output, { unit: 'files', verb: 'validating' });
  const seconds = new Array<number>(files.length).fill(0);
  let done = 0;
  try {
    const reports = await mapLimit(files, Math.max(4, config.concurrency), async (file, index) => {
      const t0 = performance.now();
      const inspection = await inspectFile(file, { policy, rules, hashCache });
      seconds[index] = (performance.now() - t0) / 1000;
      progress.update(++done, files.length);
      return toValidationReport(inspection, run.allowlist.name);
    });
    return { reports, seconds };
  } finally {
    progress.stop();
  }
}

// Valid files are success lines (dropped by -q); rejected ones are what -q is for.
function writeHuman(ctx: Context, reports: readonly ValidationReport[]): void {
  const { chalk } = ctx.output;
  for (const r of reports) {
    const mark = r.valid ? chalk.green('✓') : chalk.red('✗');
    const why = r.errors.map((e) => `${e.name}: ${e.message}`).join('; ');
    const size = r.metadata.size === null || r.metadata.size === undefined ? '-' : formatBytes(r.metadata.size);
    const text = `${mark} ${r.path}  ${size}  ${r.metadata.mime_type ?? '-'}${why ? `  ${why}` : ''}`;
    if (r.valid) ctx.output.success(text);
    else printRejection(ctx.output, text, r);
  }
}

interface JUnitRun {
  caseSeconds: number[];
  seconds: number;
  started: number;
  allowlist: string;
}

async function writeJUnit(ctx: Context, reports: readonly ValidationReport[], run: JUnitRun): Promise<void> {
  const { buildJUnitXml } = await import('../junit.js');
  const timestamp = new Date(run.started).toISOString().replace(/\.\d{3}Z$/, '');
  const properties = { allowlist: run.allowlist };
  ctx.output.document(buildJUnitXml(reports, { seconds: run.seconds, caseSeconds: run.caseSeconds, timestamp, properties }).trimEnd());
}
