/**
 * `exai mcp`: the core's operations as MCP tools over stdio. One process serves many calls:
 * the Runtime (catalog, HTTP dispatcher, config) stays open between them and is rebuilt
 * only when the config file changes. stdout carries protocol messages and nothing else.
 */
import type { Readable, Writable } from 'node:stream';
import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import type { RequestHandlerExtra } from '@modelcontextprotocol/sdk/shared/protocol.js';
import { ErrorCode, ListToolsRequestSchema, McpError, ResultSchema, RootsListChangedNotificationSchema, type CallToolResult, type ProgressToken, type ServerNotification, type ServerRequest } from '@modelcontextprotocol/sdk/types.js';
import { isExaiError } from '../core/errors.js';
import { redactedJson } from '../core/redact.js';
import type { Runtime } from '../core/runtime.js';
import type { ExaiProgressEvent, ProgressListener } from '../library/progress.js';
import { HANDLERS } from './handlers.js';
import { createRuntimeHolder, type RuntimeHolder } from './runtimes.js';
import { createSessionRoots, effectiveRoots, scopedRuntime, type SessionRoots } from './session-roots.js';
import { LineTransport } from './stdio-transport.js';
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
  /** Aborted (SIGINT, SIGTERM): running calls stop, then the server closes. */
  signal?: AbortSignal;
  stdin?: Readable;
  stdout?: Writable;
}

/** Serve until the client closes stdin; resolves then. */
export async function serveMcp(input: McpServerInput): Promise<void> {
  const runtimes = createRuntimeHolder(input.loadRuntime, input.configFile);
  const server = new Server({ name: 'exai', version: input.version }, { capabilities: { tools: { listChanged: true }, logging: {} } });
  const roots = createSessionRoots({
    supported: () => server.getClientCapabilities()?.roots !== undefined,
    // Not listRoots(): its schema throws away the whole answer for one root that is not a
    // file:// URI, where each root is judged (and a bad one dropped) on its own.
    list: async () => (await server.request({ method: 'roots/list' }, ResultSchema, { timeout: ROOTS_TIMEOUT_MS }))['roots'],
    log: (line) => input.log(input.redact(line)),
    // The tool descriptions name the roots: a client that caches them hears they changed.
    onChange: () => void server.sendToolListChanged().catch(() => undefined),
  });
  server.oninitialized = () => void roots.refresh();
  server.setNotificationHandler(RootsListChangedNotificationSchema, () => roots.refresh());
  const where = () => runtimes.use(async (rt) => ({ roots: await effectiveRoots(rt, await roots.current()), cwd: rt.cwd }));
  const first = await where();
  let known = first;
  server.setRequestHandler(ListToolsRequestSchema, async () => {
    // A config broken mid-session still lists the tools (with the roots last seen): each call
    // then says what is wrong as a tool error, redacted, instead of the SDK's raw -32603 text.
    known = await where().catch(() => known);
    return { tools: toolSpecs(known.roots, known.cwd, input.allowRemove) };
  });
  // tools/call is served from the raw request, not the SDK's parsed one: its parser answers
  // `arguments: []` with an internal error and a schema dump, where a model needs a tool
  // error it can correct (as for every other bad argument).
  server.fallbackRequestHandler = async (request, extra) => {
    if (request.method !== 'tools/call') throw new McpError(ErrorCode.MethodNotFound, 'Method not found');
    const params = request.params;
    if (typeof params?.['name'] !== 'string') throw new McpError(ErrorCode.InvalidParams, 'Invalid params: tools/call needs params.name, a string');
    return callTool({ ...input, notice: noticeSender(server, input), roots }, runtimes, { name: params['name'], args: params['arguments'], token: progressTokenOf(params) }, extra);
  };
  const transport = new LineTransport(input.stdin ?? process.stdin, input.stdout ?? process.stdout);
  const closed = new Promise<void>((resolve) => (server.onclose = resolve));
  await server.connect(transport);
  // Stop reading at once; the Runtimes close only after the aborted calls have cleaned up.
  const stop = () => void transport.close();
  if (input.signal?.aborted) stop();
  input.signal?.addEventListener('abort', stop, { once: true });
  input.log(`exai mcp ${input.version}: serving on stdio (roots: ${first.roots.join(', ')}; relative paths from ${first.cwd}; remove_files ${input.allowRemove ? 'enabled' : 'disabled'})`);
  await closed;
  await runtimes.close();
}

/** How long a client may take to answer roots/list before its last answer (or none) stands. */
const ROOTS_TIMEOUT_MS = 10_000;
/** Tools that read local paths (as paths or as refs): the ones client roots narrow. */
const PATH_TOOLS = new Set(['validate_files', 'upload_files', 'get_file_content', 'remove_files']);

type ToolExtra = RequestHandlerExtra<ServerRequest, ServerNotification>;

interface ToolCall {
  name: string;
  args: unknown;
  token: ProgressToken | undefined;
}

async function callTool(input: McpServerInput & { notice: (message: string) => void; roots: SessionRoots }, runtimes: RuntimeHolder, call: ToolCall, extra: ToolExtra): Promise<CallToolResult> {
  const handler = Object.hasOwn(HANDLERS, call.name) ? HANDLERS[call.name] : undefined;
  if (handler === undefined) return toolError(input, { code: 1101, name: 'USAGE', message: `unknown tool ${JSON.stringify(call.name)}` });
  const { token } = call;
  const progress = token === undefined ? undefined : progressSender((params) => extra.sendNotification({ method: 'notifications/progress', params: { progressToken: token, ...params } }));
  try {
    const client = await input.roots.current();
    const structured = await runtimes.use(async (rt) => {
      const narrowed = await scopedRuntime(rt, client, PATH_TOOLS.has(call.name));
      const scoped = { ...narrowed, signal: AbortSignal.any([rt.signal, extra.signal]) };
      return handler(call.args, { rt: scoped, allowRemove: input.allowRemove, progress, notice: input.notice });
    });
    const text = redactedJson(structured, input.redact);
    return { content: [{ type: 'text', text }], structuredContent: JSON.parse(text) as Record<string, unknown> };
  } catch (error) {
    return toolError(input, describeFailure(error, input));
  }
}

/** Notices go to the operator (stderr) and to the client as MCP log messages, at the level it asked for. */
function noticeSender(server: Server, input: McpServerInput): (message: string) => void {
  return (message) => {
    const text = input.redact(message);
    input.log(`notice: ${text}`);
    server.sendLoggingMessage({ level: 'notice', logger: 'exai', data: text }).catch(() => undefined);
  };
}

/** The client's progress token when it sent a valid one (a string or a number); none otherwise. */
function progressTokenOf(params: Record<string, unknown>): ProgressToken | undefined {
  const meta = params['_meta'];
  const token = typeof meta === 'object' && meta !== null ? (meta as Record<string, unknown>)['progressToken'] : undefined;
  return typeof token === 'string' || (typeof token === 'number' && Number.isFinite(token)) ? token : undefined;
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
