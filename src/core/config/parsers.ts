/**
 * Value parsers shared by every layer: a config-file JSON value, an env string, a flag string
 * and `exai config set` text all go through the same function, so they validate identically.
 */
import fs from 'node:fs';
import path from 'node:path';
import { parseDuration, parseSize } from '../units.js';
import type { Parsed } from '../units.js';

/** What a parser may need besides the value. */
export interface ParseContext {
  /** For "~/" in config-file paths; undefined → "~" is not expanded. */
  home: string | undefined;
}

/** Turn a raw value (text, or a JSON value from the config file) into a typed one. */
export type ValueParser = (raw: unknown, ctx: ParseContext) => Parsed<unknown>;

const ok = <T>(value: T): Parsed<T> => ({ ok: true, value });
const fail = (error: string): Parsed<never> => ({ ok: false, error });

/** Sizes: text like "100MB" or a JSON number of bytes. */
export const parseSizeValue: ValueParser = (raw) => {
  if (typeof raw === 'number') return parseSize(String(raw));
  if (typeof raw !== 'string') return fail('expected a size (e.g. 100MB, 512MiB, 1048576)');
  return parseSize(raw);
};

/** Durations whose bare numbers mean `bareUnit`, with a lower bound in ms. */
export function durationParser(bareUnit: 's' | 'ms', minMs: number): ValueParser {
  return (raw) => {
    const text = typeof raw === 'number' ? String(raw) : raw;
    if (typeof text !== 'string') return fail('expected a duration (e.g. 30s, 5m, 2h)');
    const parsed = parseDuration(text, { bareUnit });
    if (!parsed.ok) return parsed;
    if (parsed.value < minMs) return fail(`must be at least ${minMs}ms`);
    return parsed;
  };
}

/** Whole numbers in [min, max]. */
export function integerParser(min: number, max: number): ValueParser {
  return (raw) => {
    const text = typeof raw === 'number' ? String(raw) : typeof raw === 'string' ? raw.trim() : undefined;
    if (text === undefined || !/^[+-]?\d+$/.test(text)) return fail(`must be a whole number from ${min} to ${max}`);
    const value = Number(text);
    if (value < min || value > max) return fail(`must be a whole number from ${min} to ${max}`);
    return ok(value);
  };
}

/** Booleans: true/false/1/0/yes/no (case-insensitive) or a JSON boolean. */
export const parseBooleanValue: ValueParser = (raw) => {
  if (typeof raw === 'boolean') return ok(raw);
  const text = typeof raw === 'number' ? String(raw) : typeof raw === 'string' ? raw.trim().toLowerCase() : '';
  if (['true', '1', 'yes'].includes(text)) return ok(true);
  if (['false', '0', 'no'].includes(text)) return ok(false);
  return fail('expected true/false, 1/0 or yes/no');
};

/** One of a fixed set of words (case-insensitive). */
export function choiceParser(choices: readonly string[]): ValueParser {
  return (raw) => {
    const text = typeof raw === 'string' ? raw.trim().toLowerCase() : undefined;
    if (text !== undefined && choices.includes(text)) return ok(text);
    return fail(`must be one of ${choices.join(', ')}`);
  };
}

/** A non-empty string, trimmed. */
export const parseTextValue: ValueParser = (raw) => {
  if (typeof raw !== 'string' || raw.trim() === '') return fail('must be a non-empty string');
  return ok(raw.trim());
};

/** An http(s) URL without credentials; trailing slashes stripped. */
export const parseUrlValue: ValueParser = (raw) => {
  if (typeof raw !== 'string') return fail('must be an http(s) URL');
  let url: URL;
  try {
    url = new URL(raw.trim());
  } catch {
    return fail('must be an http(s) URL');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return fail('must be an http(s) URL');
  if (url.username !== '' || url.password !== '') return fail('must not contain credentials');
  return ok(url.toString().replace(/\/+$/, ''));
};

/** An absolute file path ("~/" expanded when home is known); need not exist yet. */
export const parseFilePathValue: ValueParser = (raw, ctx) => {
  if (typeof raw !== 'string' || raw.trim() === '') return fail('must be an absolute path');
  const expanded = expandHome(raw.trim(), ctx.home);
  if (!path.isAbsolute(expanded)) return fail('must be an absolute path');
  return ok(path.normalize(expanded));
};

/** Allowed roots: a ":"-separated string or a JSON array; each absolute, existing, realpath'd. */
export const parseRootsValue: ValueParser = (raw, ctx) => {
  const items = splitList(raw, /:/);
  if (items === undefined) return fail('must be a ":"-separated list or an array of absolute paths');
  if (items.length === 0) return fail('must name at least one directory');
  const roots: string[] = [];
  for (const item of items) {
    const expanded = expandHome(item, ctx.home);
    if (!path.isAbsolute(expanded)) return fail(`${JSON.stringify(item)} is not an absolute path`);
    try {
      roots.push(fs.realpathSync.native(expanded));
    } catch {
      return fail(`${JSON.stringify(item)} does not exist`);
    }
  }
  return ok([...new Set(roots)]);
};

/** MIME types: comma-separated or a JSON array; lower-cased; "type/*" allowed. */
export const parseMimeListValue: ValueParser = (raw) => {
  const items = splitList(raw, /,/);
  if (items === undefined) return fail('must be a comma-separated list of MIME types');
  if (items.length === 0) return fail('must list at least one MIME type');
  const types = items.map((item) => item.toLowerCase());
  const bad = types.find((type) => !/^[a-z0-9][a-z0-9!#$&^_.+-]*\/(\*|[a-z0-9][a-z0-9!#$&^_.+-]*)$/.test(type));
  if (bad !== undefined) return fail(`${JSON.stringify(bad)} is not a MIME type (e.g. application/pdf)`);
  return ok([...new Set(types)]);
};

/** Extensions: comma- or space-separated or a JSON array; normalised to ".ext" lower-case. */
export const parseExtensionListValue: ValueParser = (raw) => {
  const items = splitList(raw, /[,\s]+/);
  if (items === undefined) return fail('must be a comma- or space-separated list of extensions');
  const extensions = items.map((item) => `.${item.toLowerCase().replace(/^\.+/, '')}`);
  const bad = extensions.find((ext) => !/^\.[a-z0-9][a-z0-9_+-]*$/.test(ext));
  if (bad !== undefined) return fail(`${JSON.stringify(bad)} is not a file extension (e.g. .exe)`);
  return ok([...new Set(extensions)]);
};

function splitList(raw: unknown, separator: RegExp): string[] | undefined {
  const parts = typeof raw === 'string' ? raw.split(separator) : Array.isArray(raw) ? raw : undefined;
  if (parts === undefined || parts.some((part) => typeof part !== 'string')) return undefined;
  return (parts as string[]).map((part) => part.trim()).filter((part) => part !== '');
}

function expandHome(value: string, home: string | undefined): string {
  if (home === undefined) return value;
  if (value === '~') return home;
  if (value.startsWith('~/')) return path.join(home, value.slice(2));
  return value;
}
