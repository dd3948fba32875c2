/** `exai validate <paths…>`: the safe read path and the rule list, reported for every file. */
import { EXIT, ExaiError } from '../../core/errors.js';
import { formatBytes } from '../../core/units.js';
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

/** Validate every file; exit 0 when all pass, 3 when any fails. */
export async function runValidate(opts: ValidateOptions, ctx: Context): Promise<number> {
  const reporter = chooseReporter(opts);
  if (reporter === 'json') ctx.output.configure({ json: true });
  const started = Date.now();
  const { validateFiles } = await import('../../core/ops/validate-files.js');
  const { createProgressLine } = await import('../progress.js');
  const progress = createProgressLine(ctx.output, { unit: 'files', verb: 'validating' });
  const result = await validateFiles(ctx, opts.args, {
    ...opts,
    onProgress: (done, total) => progress.update(done, total),
    onWarning: (message) => ctx.output.warn(message),
  }).finally(() => progress.stop());
  const { reports, allowlist } = result;
  const seconds = (Date.now() - started) / 1000;
  if (reporter === 'json') ctx.output.jsonDocument(reports);
  else if (reporter === 'junit') await writeJUnit(ctx, reports, { caseSeconds: result.seconds, seconds, started, allowlist: allowlist.name });
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
