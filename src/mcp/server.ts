/**
 * `exai mcp`: the core's operations as MCP tools over stdio. One process serves many calls:
 * the Runtime (catalog, HTTP dispatcher, config) stays open between them and is rebuilt
 * only when the config file changes. stdout carries protocol messages and nothing else.
 */
import { stat } from 'node:fs/promises';
import type { Readable, Writable } from 'node:stream';
import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import type { RequestHandlerExtra } from '@modelcontextprotocol/sdk/shared/protocol.js';
import { CallToolRequestSchema, ListToolsRequestSchema, type CallToolRequest, type CallToolResult, type JSONRPCMessage, type ServerNotification, type ServerRequest } from '@modelcontextprotocol/sdk/types.js';
import { isExaiError } from '../core/errors.js';
import type { Runtime } from '../core/runtime.js';
import type { ExaiProgressEvent, ProgressListener } from '../library/progress.js';
import { HANDLERS } from './handlers.js';
import { toolSpecs } from './tools.js';

export interface McpServerInput {
  /** Build a Runtime from the config as it is now (file and environment). */
  loadRuntime: () => Promise<Runtime>;
  /** The config file whose changes rebuild the Runtime. */
  configFile: string;
  allowRemove: boolean;
  /** Scrubs secrets from every text that leaves the process. */
  redact: (text: string) => string;
  /** A line for the operator, on stderr (never stdout). */
  log: (line: string) => void;
  version: string;
  stdin?: Readable;
  stdout?: Writable;
}

/** Serve until the client closes stdin; resolves then. */
export async function serveMcp(input: McpServerInput): Promise<void> {
  const runtimes = createRuntimeHolder(input);
  const first = await runtimes.current();
  const server = new Server({ name: 'exai', version: input.version }, { capabilities: { tools: {}, logging: {} } });
  server.setRequestHandler(ListToolsRequestSchema, async () => ({ tools: toolSpecs(first.config.allowedPaths, input.allowRemove) }));
  server.setRequestHandler(CallToolRequestSchema, (request, extra) => callTool(request, extra));
  const callTool = async (request: CallToolRequest, extra: ToolExtra): Promise<CallToolResult> => {
    const handler = HANDLERS[request.params.name];
    if (handler === undefined) return toolError(input, { code: 1101, name: 'USAGE', message: `unknown tool ${JSON.stringify(request.params.name)}` });
    const token = request.params._meta?.progressToken;
    const progress = token === undefined ? undefined : progressSender((params) => extra.sendNotification({ method: 'notifications/progress', params: { progressToken: token, ...params } }));
    try {
      const rt = await runtimes.current();
      const scoped = { ...rt, signal: AbortSignal.any([rt.signal, extra.signal]) };
      const structured = await handler(request.params.arguments, { rt: scoped, allowRemove: input.allowRemove, progress });
      return { content: [{ type: 'text', text: input.redact(JSON.stringify(structured)) }], structuredContent: JSON.parse(input.redact(JSON.stringify(structured))) as Record<string, unknown> };
    } catch (error) {
      return toolError(input, describeFailure(error, input));
    }
  };
  const stdin = input.stdin ?? process.stdin;
  const transport = new StdioServerTransport(stdin, input.stdout);
  const closed = new Promise<void>((resolve) => (server.onclose = resolve));
  await server.connect(transport);
  closeWhenInputEnds(server, transport, stdin);
  input.log(`exai mcp ${input.version}: serving on stdio (roots: ${first.config.allowedPaths.join(', ')}; remove_files ${input.allowRemove ? 'enabled' : 'disabled'})`);
  await closed;
  await runtimes.close();
}

type ToolExtra = RequestHandlerExtra<ServerRequest, ServerNotification>;

/**
 * The transport does not watch for the end of its input. A client that closes stdin is gone,
 * but every request it already sent is answered before the server closes: closing sooner
 * would abort the calls still running and drop their replies.
 */
function closeWhenInputEnds(server: Server, transport: StdioServerTransport, stdin: Readable): void {
  const unanswered = new Set<string | number>();
  let ended = false;
  const closeIfDone = () => {
    if (ended && unanswered.size === 0) void server.close();
  };
  const onmessage = transport.onmessage;
  transport.onmessage = (message: JSONRPCMessage) => {
    if ('method' in message && 'id' in message) unanswered.add(message.id);
    onmessage?.(message);
  };
  const send = transport.send.bind(transport);
  transport.send = async (message: JSONRPCMessage) => {
    await send(message);
    if (!('method' in message) && 'id' in message && message.id !== undefined) unanswered.delete(message.id);
    closeIfDone();
  };
  stdin.once('end', () => {
    ended = true;
    closeIfDone();
  });
}

interface ErrorShape {
  code: number;
  name: string;
  message: string;
  hint?: string | undefined;
}

/** An ExaiError as it is; anything else is a bug, logged with its stack on stderr and sent without one. */
function describeFailure(error: unknown, input: McpServerInput): ErrorShape {
  if (isExaiError(error)) return { code: error.code, name: error.name, message: error.message, hint: error.hint };
  input.log(input.redact(`internal error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`));
  return { code: 9001, name: 'INTERNAL', message: 'internal error in exai (details are in the server log)' };
}

function toolError(input: McpServerInput, error: ErrorShape): CallToolResult {
  const clean = { ...error, message: input.redact(error.message), ...(error.hint ? { hint: input.redact(error.hint) } : {}) };
  return { isError: true, content: [{ type: 'text', text: JSON.stringify({ error: clean }) }] };
}

/** MCP progress must only grow: validation counts files, uploads count bytes sent across files. */
function progressSender(send: (params: { progress: number; total?: number; message?: string }) => Promise<void>): ProgressListener {
  let last = 0;
  const sent = new Map<string, number>();
  return (event: ExaiProgressEvent) => {
    let params: { progress: number; total?: number; message?: string } | undefined;
    if (event.type === 'validate') params = { progress: event.done, total: event.total, message: 'validating' };
    if (event.type === 'upload') {
      sent.set(event.path, event.sent_bytes);
      params = { progress: [...sent.values()].reduce((a, b) => a + b, 0), message: `uploading ${event.path}` };
    }
    if (params === undefined || params.progress <= last) return;
    last = params.progress;
    void send(params).catch(() => undefined);
  };
}

/** The current Runtime, rebuilt when the config file's identity changes; old ones closed at the end. */
function createRuntimeHolder(input: McpServerInput): { current(): Promise<Runtime>; close(): Promise<void> } {
  let runtime: Promise<Runtime> | undefined;
  let stamp: string | undefined;
  const retired: Array<Promise<Runtime>> = [];
  const stampOf = async () => stat(input.configFile).then((s) => `${s.ino}:${s.size}:${s.mtimeMs}`, () => 'absent');
  return {
    async current() {
      const now = await stampOf();
      if (runtime === undefined || now !== stamp) {
        if (runtime !== undefined) retired.push(runtime);
        stamp = now;
        runtime = input.loadRuntime();
        runtime.catch(() => (runtime = undefined));
      }
      return runtime;
    },
    async close() {
      for (const rt of [...retired, ...(runtime ? [runtime] : [])]) await (await rt.catch(() => undefined))?.close();
    },
  };
}
