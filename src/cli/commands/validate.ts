/** `exai validate <paths…>`: the safe read path and the rule list, reported for every file. */
import { EXIT, type ExaiError } from '../../core/errors.js';
import type { Context } from '../context.js';
import type { BaseOptions, CommandSpec } from '../spec.js';

export interface ValidateOptions extends BaseOptions {
  maxSize?: string;
  allowMime?: string[];
  blockExt?: string[];
}

export const validateSpec: CommandSpec<ValidateOptions> = {
  name: 'validate',
  args: '<paths...>',
  summary: 'check files against the path policy and the validation rules',
  options: [
    { flags: '--max-size <size>', description: 'largest file allowed for this run (e.g. 100MB)' },
    { flags: '--allow-mime <type>', description: 'allow a MIME type for this run (repeatable)', repeatable: true },
    { flags: '--block-ext <ext>', description: 'block an extension for this run (repeatable)', repeatable: true },
  ],
  load: async () => ({ run: runValidate }),
};

/** Validate every file; exit 0 when all pass, 3 when any fails. */
export async function runValidate(opts: ValidateOptions, ctx: Context): Promise<number> {
  const { applyFlagOverrides } = await import('../../core/config/load.js');
  const { expandInputs } = await import('../../core/files/expand.js');
  const { inspectFile, toValidationReport } = await import('../../core/validate/index.js');
  const { mapLimit } = await import('../../core/concurrency.js');
  const flags: Record<string, { value: string; flag: string }> = {};
  if (opts.maxSize) flags['maxFileSize'] = { value: opts.maxSize, flag: '--max-size' };
  if (opts.allowMime?.length) flags['allowedMimeTypes'] = { value: [...ctx.config.allowedMimeTypes, ...opts.allowMime].join(','), flag: '--allow-mime' };
  if (opts.blockExt?.length) flags['blockedExtensions'] = { value: [...ctx.config.blockedExtensions, ...opts.blockExt].join(','), flag: '--block-ext' };
  const config = applyFlagOverrides(ctx.loaded, flags).config;
  const expanded = await expandInputs(opts.args, ctx.cwd);
  const policy = { roots: config.allowedPaths, allowExternal: config.allowExternalPaths, allowHardlinks: config.allowHardlinks, cwd: ctx.cwd };
  const rules = { maxFileSize: config.maxFileSize, allowedMimeTypes: config.allowedMimeTypes, blockedExtensions: config.blockedExtensions, allowActiveContent: config.allowActiveContent };
  const inspections = await mapLimit(expanded.files, Math.max(4, config.concurrency), (file) => inspectFile(file, { policy, rules }));
  const reports = [
    ...inspections.map(toValidationReport),
    ...expanded.errors.map((e: ExaiError) => ({ path: e.path ?? '', valid: false, errors: [{ code: e.code, name: e.name, message: e.message }], metadata: { size: null, mime_type: null, extension: null, sha256: null } })),
  ];
  const failed = reports.filter((r) => !r.valid).length;
  if (ctx.output.json) ctx.output.jsonDocument(reports);
  else {
    for (const r of reports) {
      const mark = r.valid ? ctx.output.chalk.green('✓') : ctx.output.chalk.red('✗');
      const why = r.errors.map((e) => `${e.name}: ${e.message}`).join('; ');
      ctx.output.line(`${mark} ${r.path}  ${r.metadata.size ?? '-'} B  ${r.metadata.mime_type ?? '-'}${why ? `  ${why}` : ''}`);
    }
    ctx.output.info(`${reports.length - failed} valid, ${failed} rejected`);
  }
  return failed > 0 ? EXIT.validation : EXIT.ok;
}
