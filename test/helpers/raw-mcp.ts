/**
 * `exai mcp` spawned from the built binary and spoken to in raw lines, the way a client we
 * have never seen might: any bytes in, every stdout line kept for inspection.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { BIN, type Workspace } from './workspace.js';

export interface RawReply {
  jsonrpc?: string;
  id?: string | number | null;
  method?: string;
  result?: Record<string, unknown>;
  error?: { code: number; message: string };
  params?: Record<string, unknown>;
}

export interface RawSession {
  child: ChildProcessWithoutNullStreams;
  /** Every stdout line so far. */
  lines: string[];
  stderr(): string;
  /** Write an object as a JSON line, or a string/bytes as they are. */
  send(message: object | string | Buffer): void;
  /** The parsed stdout lines once `done` holds for them. */
  until(done: (messages: unknown[]) => boolean): Promise<unknown[]>;
  /** The reply (object, or batch array) with this id. */
  reply(id: string | number | null): Promise<RawReply>;
  /** Close stdin and wait for the exit code. */
  end(): Promise<number | null>;
}

/** Spawn `exai mcp` in the workspace. */
export function rawSession(ws: Workspace, args: string[] = [], env: Record<string, string> = {}): RawSession {
  const child = spawn(process.execPath, [BIN, 'mcp', ...args], { cwd: ws.cwd, env: { ...ws.env, ...env }, stdio: ['pipe', 'pipe', 'pipe'] });
  const lines: string[] = [];
  let partial = '';
  let stderr = '';
  const waiters = new Set<() => void>();
  child.stdout.on('data', (chunk: Buffer) => {
    const parts = (partial + chunk.toString('utf8')).split('\n');
    partial = parts.pop() ?? '';
    lines.push(...parts);
    for (const wake of waiters) wake();
  });
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  const parsed = () => lines.map((line) => JSON.parse(line) as unknown);
  const until = (done: (messages: unknown[]) => boolean) =>
    new Promise<unknown[]>((resolve, reject) => {
      const check = () => {
        if (done(parsed())) {
          waiters.delete(check);
          resolve(parsed());
        }
      };
      waiters.add(check);
      void exited.then(() => (waiters.has(check) ? reject(new Error(`exai mcp exited first; stderr: ${stderr}`)) : undefined));
      check();
    });
  const find = (messages: unknown[], id: string | number | null) =>
    messages.find((m) => (Array.isArray(m) ? m.some((r: RawReply) => r.id === id) : (m as RawReply).id === id && (m as RawReply).method === undefined));
  return {
    child,
    lines,
    stderr: () => stderr,
    send: (message) => child.stdin.write(typeof message === 'string' || Buffer.isBuffer(message) ? message : `${JSON.stringify(message)}\n`),
    until,
    reply: async (id) => find(await until((messages) => find(messages, id) !== undefined), id) as RawReply,
    end: () => {
      child.stdin.end();
      return exited;
    },
  };
}

/** An initialize request asking for `version`. */
export function initialize(id: number | string, version = '2025-06-18', capabilities: Record<string, unknown> = {}): object {
  return { jsonrpc: '2.0', id, method: 'initialize', params: { protocolVersion: version, capabilities, clientInfo: { name: 'raw', version: '1' } } };
}

export const INITIALIZED = { jsonrpc: '2.0', method: 'notifications/initialized' };

/** A tools/call request. */
export function toolCall(id: number | string, name: string, args: unknown, meta?: Record<string, unknown>): object {
  return { jsonrpc: '2.0', id, method: 'tools/call', params: { name, arguments: args, ...(meta ? { _meta: meta } : {}) } };
}
