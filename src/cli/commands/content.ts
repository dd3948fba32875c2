/** `exai content <ref>`: the text a provider extracted from an uploaded file (cached after the first read). */
import { EXIT } from '../../core/errors.js';
import type { Context } from '../context.js';
import type { BaseOptions, CommandSpec } from '../spec.js';

export const contentSpec: CommandSpec<BaseOptions> = {
  name: 'content',
  args: '<ref>',
  summary: 'print the text a provider extracted from an uploaded file',
  help: [
    'Print the extracted text of an uploaded file (purpose file-extract), named by provider file id,',
    'sha256 prefix (6+ hex digits) or local path. The first read asks the provider; later reads come',
    'from the cache in the data dir. The local provider returns text files as they are.',
    '',
    'Examples:',
    '  exai content report.pdf',
    '  exai content cabc123def --json',
  ].join('\n'),
  options: [],
  load: async () => ({ run: runContent }),
};

/** Print the content as it is (stdout), or one JSON document. */
export async function runContent(opts: BaseOptions, ctx: Context): Promise<number> {
  const { getContent } = await import('../../core/ops/content.js');
  const result = await getContent(ctx, opts.args[0] ?? '');
  if (ctx.output.json) ctx.output.jsonDocument(result);
  // Line by line: the human writer escapes control characters within a line, not the breaks between them.
  else for (const line of result.content.replace(/\n$/, '').split('\n')) ctx.output.line(line);
  return EXIT.ok;
}
