/** `exai upload <paths…>`: validate everything, then dedup or upload each file exactly once. */
import type { ProviderName } from '../../core/config/types.js';
import { EXIT, exitCodeForBatch, isExaiError } from '../../core/errors.js';
import type { UploadOutcome } from '../../core/upload/index.js';
import { GLM_PURPOSES } from '../../providers/glm.js';
import { KIMI_PURPOSES } from '../../providers/kimi.js';
import type { Context } from '../context.js';
import { parsePositiveInt } from '../parse.js';
import type { BaseOptions, CommandSpec } from '../spec.js';
import { createUploadEvents, printOutcomes, printRejected, type UploadContents } from '../upload-report.js';

export interface UploadCommandOptions extends BaseOptions {
  provider?: ProviderName;
  purpose?: string;
  concurrency?: number;
  dryRun?: boolean;
  failFast?: boolean;
  /** False with --no-archive: no archive copy in the shared backend's Storage. */
  archive?: boolean;
  printContent?: boolean;
}

export const uploadSpec: CommandSpec<UploadCommandOptions> = {
  name: 'upload',
  args: '<paths...>',
  summary: 'validate files and upload each one once (deduplicated, tracked in the catalog)',
  help: [
    'Validate every file first (same rules as `exai validate`); upload only when all pass. A file already uploaded with the same content, provider and purpose is not sent again.',
    'With no MOONSHOT_API_KEY or ZAI_API_KEY set, files go to the local provider (no key needed). With -q only the file ids are printed, one per line (and errors).',
  ].join('\n\n'),
  examples: ['exai upload report.pdf', 'exai upload docs/ --provider glm --purpose file-extract --json', "exai upload 'dist/**/*.pdf' --dry-run", 'id=$(exai upload -q report.pdf)'],
  options: [
    { flags: '--provider <name>', description: 'upload only to this provider (no fallback)', choices: ['kimi', 'glm', 'local'], defaultText: 'config provider, else kimi, glm, then local' },
    {
      flags: '--purpose <purpose>',
      description: `the provider's file purpose — kimi: ${Object.keys(KIMI_PURPOSES).join(', ')}; glm: ${Object.keys(GLM_PURPOSES).join(', ')}; local: any of these`,
      anyText: true,
      defaultText: 'file-extract',
    },
    { flags: '--concurrency <n>', description: 'files uploaded at once (1-64)', parse: parsePositiveInt('--concurrency', 64), defaultText: 'config concurrency, 4' },
    { flags: '-n, --dry-run', description: 'validate, hash and plan, but send nothing and record nothing' },
    { flags: '--fail-fast', description: 'stop starting new uploads after the first failure' },
    { flags: '--no-archive', description: "shared backend: don't keep an archive copy in Supabase Storage" },
    { flags: '--print-content', description: "print each file's extracted text after its line (JSON: a content field)" },
  ],
  load: async () => ({ run: runUpload }),
};

/** Exit 3 if any file is invalid (nothing sent); else 0, 8 when some failed, or the failures' code. */
export async function runUpload(opts: UploadCommandOptions, ctx: Context): Promise<number> {
  const { uploadFiles, tallyOutcomes } = await import('../../core/ops/upload-files.js');
  const { createProgressLine } = await import('../progress.js');
  const checking = createProgressLine(ctx.output, { unit: 'files', verb: 'validating' });
  let events: ReturnType<typeof createUploadEvents> | undefined;
  const result = await uploadFiles(ctx, opts.args, {
    ...opts,
    onValidated: (done, total) => checking.update(done, total),
    onNotice: (message) => ctx.output.info(message),
    onStart: (files) => {
      checking.stop();
      events = createUploadEvents(files, ctx.output);
      return events.handlers;
    },
  }).finally(() => {
    checking.stop();
    events?.stop();
  });
  if (result.kind === 'rejected') {
    printRejected(result.reports, ctx.output);
    return EXIT.validation;
  }
  const contents = opts.printContent === true && opts.dryRun !== true ? await readContents(result.outcomes, ctx) : undefined;
  printOutcomes(result.outcomes, ctx.output, opts.dryRun === true, contents);
  const { succeeded, failures } = tallyOutcomes(result.outcomes);
  return exitCodeForBatch(succeeded, contents?.failures.length ? [...failures, ...contents.failures] : failures);
}

/** --print-content: each uploaded file's extracted text (a failure to read one is reported, not fatal). */
async function readContents(outcomes: readonly UploadOutcome[], ctx: Context): Promise<UploadContents> {
  const { getContent } = await import('../../core/ops/content.js');
  const out: UploadContents = { byFileId: new Map(), failures: [] };
  for (const o of outcomes) {
    if (o.fileId === null || (o.status !== 'uploaded' && o.status !== 'deduplicated')) continue;
    try {
      out.byFileId.set(o.fileId, (await getContent(ctx, o.fileId)).content);
    } catch (error) {
      if (!isExaiError(error)) throw error;
      out.failures.push(error);
      ctx.output.error(`${ctx.output.chalk.red('error:')} ${o.path}: ${error.message}`);
    }
  }
  return out;
}
