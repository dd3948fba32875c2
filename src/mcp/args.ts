/**
 * Reading a tool call's arguments: the client is another program (often a model), so every
 * argument is checked against the tool's schema by hand and a bad one is a USAGE error
 * naming it — never a crash, never a guess.
 */
import { ExaiError } from '../core/errors.js';

export type Args = Record<string, unknown>;

/** The arguments object itself; unknown keys are refused (the schemas say additionalProperties: false). */
export function readArgs(tool: string, raw: unknown, known: readonly string[]): Args {
  const args = raw ?? {};
  if (typeof args !== 'object' || Array.isArray(args)) throw usage(`${tool}: arguments must be an object`);
  const unknown = Object.keys(args).filter((k) => !known.includes(k));
  if (unknown.length > 0) throw usage(`${tool}: unknown argument ${unknown.map((k) => JSON.stringify(k)).join(', ')}`);
  return args as Args;
}

/** A required non-empty array of non-empty strings (at most 1000). */
export function stringList(args: Args, key: string): string[] {
  const value = args[key];
  if (!Array.isArray(value) || value.length === 0 || value.length > 1000 || !value.every((v) => typeof v === 'string' && v !== '')) {
    throw usage(`"${key}" must be a list of 1 to 1000 non-empty strings`);
  }
  return value as string[];
}

/** An optional string, or one of `choices` when given. */
export function optionalString(args: Args, key: string, choices?: readonly string[]): string | undefined {
  const value = args[key];
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || value === '') throw usage(`"${key}" must be a non-empty string`);
  if (choices && !choices.includes(value)) throw usage(`"${key}" must be one of ${choices.join(', ')}, got ${JSON.stringify(value)}`);
  return value;
}

/** A required non-empty string. */
export function requiredString(args: Args, key: string): string {
  const value = optionalString(args, key);
  if (value === undefined) throw usage(`"${key}" is required`);
  return value;
}

/** An optional boolean. */
export function optionalBoolean(args: Args, key: string): boolean | undefined {
  const value = args[key];
  if (value === undefined || typeof value === 'boolean') return value;
  throw usage(`"${key}" must be true or false`);
}

/** An optional integer in [min, max]. */
export function optionalInteger(args: Args, key: string, min: number, max: number): number | undefined {
  const value = args[key];
  if (value === undefined) return undefined;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) throw usage(`"${key}" must be an integer from ${min} to ${max}`);
  return value;
}

/** An optional ISO date or time, as epoch ms. */
export function optionalDate(args: Args, key: string): number | undefined {
  const value = optionalString(args, key);
  if (value === undefined) return undefined;
  const at = /^\d{4}-\d{2}-\d{2}/.test(value) ? Date.parse(value) : Number.NaN;
  if (!Number.isFinite(at)) throw usage(`"${key}" must be an ISO date like 2025-03-01, got ${JSON.stringify(value)}`);
  return at;
}

function usage(message: string): ExaiError {
  return new ExaiError('USAGE', message);
}
