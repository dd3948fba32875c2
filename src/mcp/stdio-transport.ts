/**
 * MCP over stdio for clients we have not seen: every line gets an answer the JSON-RPC spec
 * allows (a parse error, an invalid request, a refused batch) instead of silence or a closed
 * session; batches are served only to a client that negotiated 2025-03-26, the one revision
 * that had them; requests other than ping before `initialize` are refused; and when stdin
 * ends, every request already read is answered before the server closes.
 */
import type { Readable, Writable } from 'node:stream';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import { ErrorCode, JSONRPCMessageSchema, LATEST_PROTOCOL_VERSION, SUPPORTED_PROTOCOL_VERSIONS, type JSONRPCMessage, type RequestId } from '@modelcontextprotocol/sdk/types.js';
import { BatchReplies, type Batch } from './batch-replies.js';
import { LineReader, type Line } from './line-reader.js';
import { clarifyParamsError } from './params-error.js';

/** The longest message accepted: 1000 paths of 4 KiB each fit with room to spare. */
export const MAX_LINE_BYTES = 8 * 1024 * 1024;
/** Our answer to any request but ping before initialize (the SDK uses this code for it over HTTP). */
export const NOT_INITIALIZED = -32000;
const BATCH_VERSION = '2025-03-26';

/** A Transport over a pair of byte streams, one JSON-RPC message per line. */
export class LineTransport implements Transport {
  onclose?: () => void;
  onerror?: (error: Error) => void;
  onmessage?: (message: JSONRPCMessage) => void;

  private readonly reader = new LineReader(MAX_LINE_BYTES);
  private readonly unanswered = new Set<RequestId>();
  private readonly batches = new BatchReplies();
  private initializeId: RequestId | undefined;
  private version: string | undefined;
  private drained: Promise<void> | undefined;
  private ended = false;
  private closed = false;

  constructor(
    private readonly stdin: Readable,
    private readonly stdout: Writable,
  ) {}

  /** Start reading. */
  async start(): Promise<void> {
    this.stdin.on('data', this.onData);
    this.stdin.on('error', this.onStreamError);
    this.stdin.once('end', this.onEnd);
    // A client that stops reading our output is gone: stop instead of dying on EPIPE.
    this.stdout.on('error', this.onStreamError);
  }

  /** Write one message (or a finished batch's replies) as one line. */
  async send(message: JSONRPCMessage): Promise<void> {
    if (this.closed) return;
    const isReply = !('method' in message) && 'id' in message;
    const line = isReply ? this.batches.settle(clarifyParamsError(message)) : message;
    if (line !== undefined) await this.write(line);
    if (isReply) this.answered(message.id as RequestId);
  }

  /** Stop reading and tell the server. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.stdin.off('data', this.onData);
    this.stdin.off('error', this.onStreamError);
    this.stdin.off('end', this.onEnd);
    this.stdout.off('error', this.onStreamError);
    this.stdin.pause();
    this.reader.clear();
    this.onclose?.();
  }

  private readonly onData = (chunk: Buffer | string): void => {
    for (const line of this.reader.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk)) this.onLine(line);
  };

  private readonly onStreamError = (error: Error): void => {
    this.onerror?.(error);
    void this.close();
  };

  private readonly onEnd = (): void => {
    for (const line of this.reader.end()) this.onLine(line);
    this.ended = true;
    this.closeIfDone();
  };

  private onLine(line: Line): void {
    if ('problem' in line) {
      const message = line.problem === 'too-long' ? `message longer than ${MAX_LINE_BYTES} bytes` : 'message is not valid UTF-8';
      return void this.reject(null, line.problem === 'too-long' ? ErrorCode.InvalidRequest : ErrorCode.ParseError, message);
    }
    let value: unknown;
    try {
      value = JSON.parse(line.text);
    } catch {
      return void this.reject(null, ErrorCode.ParseError, 'Parse error: not JSON');
    }
    if (!Array.isArray(value)) return this.receive(value);
    if (this.version !== BATCH_VERSION || value.length === 0) {
      const why = value.length === 0 ? 'an empty batch' : `batches are not part of protocol version ${this.version ?? '(not initialized)'}`;
      return void this.reject(null, ErrorCode.InvalidRequest, `Invalid Request: ${why}`);
    }
    // An id already running keys the first request's reply, never this batch's.
    const ids = value.filter((item) => isRequestLike(item) && !('result' in item || 'error' in item)).map((item: { id: RequestId }) => item.id);
    const batch = this.batches.open(ids.filter((id) => !this.unanswered.has(id)));
    for (const item of value) this.receive(item, batch);
    const finished = this.batches.seal(batch);
    if (finished !== undefined) void this.write(finished);
  }

  private receive(value: unknown, batch?: Batch): void {
    const parsed = JSONRPCMessageSchema.safeParse(value);
    if (!parsed.success) {
      const id = isRequestLike(value) ? value.id : null;
      return void this.reject(id, ErrorCode.InvalidRequest, 'Invalid Request: not a JSON-RPC 2.0 message');
    }
    const message = parsed.data;
    if (!('method' in message)) return this.onmessage?.(message);
    const isRequest = 'id' in message;
    if (message.method === 'initialize' && isRequest) {
      this.initializeId = message.id;
      this.version = negotiated(message.params?.['protocolVersion']);
    }
    if (this.initializeId === undefined && message.method !== 'initialize' && message.method !== 'ping') {
      // The lifecycle starts with initialize: nothing else is served (or heard) before it.
      if (isRequest) void this.reject(message.id, NOT_INITIALIZED, `Server not initialized: send "initialize" before "${message.method}"`);
      return;
    }
    if (isRequest && this.unanswered.has(message.id)) return this.duplicate(message.id, batch);
    if (isRequest) this.unanswered.add(message.id);
    this.onmessage?.(message);
    if (message.method === 'notifications/cancelled') this.cancelled(message.params?.['requestId']);
  }

  /** The server sends no reply to a cancelled request (the spec's SHOULD NOT), so stop waiting for one. */
  private cancelled(id: unknown): void {
    if (typeof id !== 'string' && typeof id !== 'number') return;
    const finished = this.batches.forget(id);
    if (finished !== undefined) void this.write(finished);
    this.answered(id);
  }

  /**
   * JSON-RPC ids are unique among a session's requests in flight: a second request with the id
   * of one still running is refused and never reaches the server, so the first keeps running,
   * gets its own reply, and a cancellation naming the id still stops the first.
   */
  private duplicate(id: RequestId, batch: Batch | undefined): void {
    const reply = { jsonrpc: '2.0' as const, id, error: { code: ErrorCode.InvalidRequest, message: `Invalid Request: id ${JSON.stringify(id)} is already in use by a request still running` } };
    if (batch === undefined) void this.write(reply);
    else this.batches.include(batch, reply);
  }

  private async reject(id: RequestId | null, code: number, message: string): Promise<void> {
    const reply = { jsonrpc: '2.0' as const, id, error: { code, message } };
    const line = id === null ? reply : this.batches.settle(reply as JSONRPCMessage);
    if (line !== undefined) await this.write(line);
  }

  private write(message: unknown): Promise<void> {
    if (this.closed || this.stdout.destroyed) return Promise.resolve();
    if (this.stdout.write(`${JSON.stringify(message)}\n`)) return Promise.resolve();
    // One wait shared by every writer, and it also ends when the client stops reading: a
    // listener per message on a pipe that never drains piled up (and warned about a leak).
    this.drained ??= new Promise<void>((resolve) => {
      const done = () => {
        for (const event of ['drain', 'close', 'error']) this.stdout.off(event, done);
        this.drained = undefined;
        resolve();
      };
      for (const event of ['drain', 'close', 'error']) this.stdout.once(event, done);
    });
    return this.drained;
  }

  private answered(id: RequestId): void {
    this.unanswered.delete(id);
    this.closeIfDone();
  }

  /** A client that closed stdin is gone, but what it asked is still answered: closing sooner would abort running calls. */
  private closeIfDone(): void {
    if (this.ended && this.unanswered.size === 0) void this.close();
  }
}

/** The version the SDK's server will answer with (its rule), known here before its reply is written. */
function negotiated(requested: unknown): string {
  return typeof requested === 'string' && SUPPORTED_PROTOCOL_VERSIONS.includes(requested) ? requested : LATEST_PROTOCOL_VERSION;
}

function isRequestLike(value: unknown): value is { id: RequestId } {
  if (typeof value !== 'object' || value === null) return false;
  const id = (value as { id?: unknown }).id;
  return typeof id === 'string' || (typeof id === 'number' && Number.isFinite(id));
}
