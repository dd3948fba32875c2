/** `exai mcp`: serve exai's operations to an AI agent over the Model Context Protocol (stdio). */
import { ExaiError, EXIT } from '../../core/errors.js';
import type { Context } from '../context.js';
import type { BaseOptions, CommandSpec } from '../spec.js';

export interface McpOptions extends BaseOptions {
  allowRemove?: boolean;
}

export const mcpSpec: CommandSpec<McpOptions> = {
  name: 'mcp',
  summary: 'serve exai to AI agents as a Model Context Protocol server (stdio)',
  help: [
    'Serve exai as an MCP server on stdin/stdout for an agent (Claude Desktop, Cursor, …).',
    'Tools: validate_files, upload_files, get_file_content, list_files, remove_files, get_quota.',
    'Paths must lie in the allowed roots (EXAI_ALLOWED_PATHS; default: the directory the server',
    'starts in). remove_files is refused unless --allow-remove is given. Logs go to stderr.',
    '',
    'Examples:',
    '  exai mcp',
    '  EXAI_ALLOWED_PATHS=$HOME/docs exai mcp --allow-remove',
  ].join('\n'),
  options: [{ flags: '--allow-remove', description: 'let clients delete files with remove_files' }],
  servesProtocol: 'MCP (JSON-RPC over stdio)',
  load: async () => ({ run: runMcpCommand }),
};

/** Serve until the client closes the connection (exit 0), or until SIGINT or SIGTERM (exit 130). */
export async function runMcpCommand(opts: McpOptions, ctx: Context): Promise<number> {
  const [{ runMcp }, { VERSION }] = await Promise.all([import('../../mcp/entry.js'), import('../main.js')]);
  // MCP clients stop a server with SIGTERM when closing stdin was not enough: stop the running
  // calls cleanly (no row left uploading) instead of dying mid-upload.
  const term = new AbortController();
  const onTerm = () => term.abort(new ExaiError('INTERRUPTED', 'terminated'));
  process.once('SIGTERM', onTerm);
  const signal = AbortSignal.any([ctx.signal, term.signal]);
  try {
    await serve(runMcp, opts, ctx, signal, VERSION);
  } finally {
    process.removeListener('SIGTERM', onTerm);
  }
  return signal.aborted ? EXIT.interrupted : EXIT.ok;
}

type RunMcp = (typeof import('../../mcp/entry.js'))['runMcp'];

function serve(runMcp: RunMcp, opts: McpOptions, ctx: Context, signal: AbortSignal, version: string): Promise<void> {
  return runMcp({
    reloadConfig: () => ctx.reloadConfig(),
    clock: ctx.clock,
    cwd: ctx.cwd,
    userId: ctx.userId,
    signal,
    allowRemove: opts.allowRemove === true,
    redact: (text) => ctx.output.redact(text),
    log: (line) => ctx.output.streams.stderr.write(`${ctx.output.redact(line)}\n`),
    version,
    stdin: ctx.output.streams.stdin,
    stdout: ctx.output.streams.stdout,
  });
}
