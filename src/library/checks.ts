/**
 * The library's guard at its door: its callers include plain JavaScript, so a wrong type is
 * a USAGE ExaiError naming the argument (never a TypeError from deep inside), a call on a
 * closed instance says so, and an already aborted signal stops a call before it starts.
 */
import type { FileStatus } from '../catalog/types.js';
import type { ProviderName } from '../core/config/types.js';
import { ExaiError, isExaiError } from '../core/errors.js';
import type { ProgressListener } from './progress.js';

/** Every provider name a caller may pass. */
export const PROVIDERS: readonly ProviderName[] = ['kimi', 'glm', 'local'];
/** Every catalog status a caller may filter on. */
export const STATUSES: readonly FileStatus[] = ['uploading', 'active', 'failed', 'deleted'];

/** Paths or refs: one string or a list of non-empty strings. */
export function stringsArg(value: unknown, what: string): readonly string[] {
  const list: unknown[] = typeof value === 'string' ? [value] : Array.isArray(value) ? value : [];
  if ((typeof value !== 'string' && !Array.isArray(value)) || !list.every((v) => typeof v === 'string' && v !== '')) {
    throw new ExaiError('USAGE', `${what} must be a string or a list of non-empty strings`);
  }
  return list as string[];
}

/** An optional value that must be one of `choices`. */
export function choiceArg<T extends string>(value: unknown, key: string, choices: readonly T[]): T | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || !(choices as readonly string[]).includes(value)) {
    throw new ExaiError('USAGE', `${key} must be one of ${choices.join(', ')}, got ${typeof value === 'string' ? JSON.stringify(value) : typeof value}`);
  }
  return value as T;
}

/** An optional whole number from `min` up. */
export function countArg(value: unknown, key: string, min: number): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min) throw new ExaiError('USAGE', `${key} must be a whole number of at least ${min}`);
  return value;
}

/** An optional point in time, as a Date or epoch ms; as epoch ms. */
export function timeArg(value: unknown, key: string): number | undefined {
  if (value === undefined) return undefined;
  const at = value instanceof Date ? value.getTime() : value;
  if (typeof at !== 'number' || !Number.isFinite(at)) throw new ExaiError('USAGE', `${key} must be a Date or a number of milliseconds since 1970`);
  return at;
}

/** A plain object (not an array, not null). */
export function objectArg(value: unknown, what: string): void {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new ExaiError('USAGE', `${what} must be an object`);
}

/**
 * The caller's progress listener, made harmless: one that throws is ignored, because an
 * exception thrown mid-upload would abandon the transfer for the sake of a progress bar.
 */
export function guarded(listener: ProgressListener | undefined): ProgressListener | undefined {
  if (typeof listener !== 'function') return undefined;
  return (event) => {
    try {
      listener(event);
    } catch {
      // Nothing to report it to: the library never prints.
    }
  };
}

/** Refuse a call on a closed instance. */
export function closedError(): ExaiError {
  return new ExaiError('USAGE', 'this exai instance is closed', { hint: 'create a new one with createExai()' });
}

/** Throw when `signal` is already aborted: its reason when that is an ExaiError, else INTERRUPTED. */
export function throwIfAborted(signal: AbortSignal): void {
  if (!signal.aborted) return;
  const reason: unknown = signal.reason;
  if (isExaiError(reason)) throw reason;
  throw new ExaiError('INTERRUPTED', 'aborted by the caller before the call started');
}
