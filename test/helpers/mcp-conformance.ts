/**
 * A raw MCP session that checks every tool result the way a strict client would: the
 * structured content of a success against the tool's outputSchema (with the JSON Schema
 * validator the SDK ships), an error as isError + text naming exai's code, name and message.
 */
import { AjvJsonSchemaValidator } from '@modelcontextprotocol/sdk/validation/ajv';
import type { JsonSchemaType } from '@modelcontextprotocol/sdk/validation/types.js';
import { expect } from 'vitest';
import { initialize, INITIALIZED, rawSession, toolCall, type RawSession } from './raw-mcp.js';
import type { Workspace } from './workspace.js';

export interface ToolResult {
  isError?: boolean;
  structuredContent?: Record<string, unknown>;
  content: Array<{ type: string; text: string }>;
}

export interface ToolError {
  code: number;
  name: string;
  message: string;
  hint?: string;
}

export interface CheckedSession {
  raw: RawSession;
  tools: Array<{ name: string; description: string; inputSchema: Record<string, unknown>; outputSchema: JsonSchemaType }>;
  /** Send a call now; its checked result later. */
  start(name: string, args: unknown, meta?: Record<string, unknown>): { id: number; result: Promise<ToolResult> };
  call(name: string, args: unknown, meta?: Record<string, unknown>): Promise<ToolResult>;
  /** The tool error a call returned (fails when it succeeded). */
  fail(name: string, args: unknown): Promise<ToolError>;
}

/** Spawn, initialize and list tools. */
export async function checkedSession(ws: Workspace, args: string[] = [], env: Record<string, string> = {}): Promise<CheckedSession> {
  const raw = rawSession(ws, args, env);
  raw.send(initialize('init'));
  await raw.reply('init');
  raw.send(INITIALIZED);
  raw.send({ jsonrpc: '2.0', id: 'tools', method: 'tools/list' });
  const tools = (await raw.reply('tools')).result?.['tools'] as CheckedSession['tools'];
  const ajv = new AjvJsonSchemaValidator();
  const validators = new Map(tools.map((tool) => [tool.name, ajv.getValidator(tool.outputSchema)]));
  let next = 1;
  const start = (name: string, args: unknown, meta?: Record<string, unknown>) => {
    const id = next++;
    raw.send(toolCall(id, name, args, meta));
    const result = raw.reply(id).then((reply) => {
      expect(reply.error, `call ${name} got a protocol error`).toBeUndefined();
      const result = reply.result as unknown as ToolResult;
      checkResult(result, validators.get(name));
      return result;
    });
    return { id, result };
  };
  const call = (name: string, args: unknown, meta?: Record<string, unknown>) => start(name, args, meta).result;
  const fail = async (name: string, args: unknown) => {
    const result = await call(name, args);
    expect(result.isError, `${name} ${JSON.stringify(args).slice(0, 200)} should fail`).toBe(true);
    return (JSON.parse(result.content[0]!.text) as { error: ToolError }).error;
  };
  return { raw, tools, start, call, fail };
}

function checkResult(result: ToolResult, validator: ReturnType<AjvJsonSchemaValidator['getValidator']> | undefined): void {
  expect(result.content[0]?.type).toBe('text');
  if (result.isError === true) {
    const body = JSON.parse(result.content[0]!.text) as { error: ToolError };
    expect(body.error).toMatchObject({ code: expect.any(Number), name: expect.any(String), message: expect.any(String) });
    expect(body.error.message).not.toMatch(/\n\s+at /);
    if (result.structuredContent === undefined) return;
  }
  if (validator === undefined) return;
  const checked = validator(result.structuredContent);
  expect(checked.errorMessage).toBeUndefined();
  expect(JSON.parse(result.content[0]!.text)).toEqual(result.structuredContent);
}
