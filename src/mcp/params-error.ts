/**
 * The SDK answers a request whose params fail its schema with -32603 (internal error) and the
 * schema library's issue list as raw JSON text. JSON-RPC calls that "Invalid params" (-32602),
 * and a client's author needs one line naming the field: rewrite those replies on the way out.
 */
import { ErrorCode, type JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';

const INTERNAL_ERROR: number = ErrorCode.InternalError;

interface Issue {
  path: Array<string | number>;
  message: string;
}

/** `message` itself, or an Invalid params error in its place when it is the SDK's schema failure. */
export function clarifyParamsError(message: JSONRPCMessage): JSONRPCMessage {
  if (!('error' in message) || message.error.code !== INTERNAL_ERROR) return message;
  const issues = parseIssues(message.error.message);
  if (issues === undefined) return message;
  const text = issues.map((issue) => `${issue.path.join('.') || '(message)'}: ${issue.message}`).join('; ');
  return { ...message, error: { code: ErrorCode.InvalidParams, message: `Invalid params: ${text}` } };
}

function parseIssues(text: string): Issue[] | undefined {
  if (!text.startsWith('[')) return undefined;
  try {
    const value: unknown = JSON.parse(text);
    if (!Array.isArray(value) || value.length === 0 || !value.every(isIssue)) return undefined;
    return value;
  } catch {
    return undefined;
  }
}

function isIssue(value: unknown): value is Issue {
  if (typeof value !== 'object' || value === null) return false;
  const { path, message } = value as Record<string, unknown>;
  return Array.isArray(path) && typeof message === 'string';
}
