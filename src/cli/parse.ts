/** Parsers for flag values: a bad value is a usage error (exit 2) naming the flag. */
import { findConfigKey } from '../core/config/keys.js';
import { ExaiError } from '../core/errors.js';

/** A positive integer flag value, e.g. --concurrency 8. */
export function parsePositiveInt(flag: string, max = Number.MAX_SAFE_INTEGER): (value: string) => number {
  return (value) => {
    const n = Number(value);
    if (!/^\d+$/.test(value) || !Number.isSafeInteger(n) || n < 1 || n > max) {
      throw new ExaiError('USAGE', `${flag} must be a whole number from 1 to ${max}, got "${value}"`);
    }
    return n;
  };
}

/**
 * A flag that overrides a config key (--max-size → maxFileSize): checked with the key's own
 * parser when commander reads it, so a bad value is a usage error (exit 2) like any other flag,
 * while the same bad value in the config file or environment stays a config error (exit 9).
 * Returns the text unchanged; the config loader applies it as the "flag" layer.
 */
export function parseConfigFlag(key: string, flag: string): (value: string) => string {
  return (value) => {
    const spec = findConfigKey(key);
    const parsed = spec?.parse(value, { home: undefined });
    if (parsed !== undefined && !parsed.ok) {
      throw new ExaiError('USAGE', `${flag} ${JSON.stringify(value)}: ${parsed.error}`, { hint: spec?.description });
    }
    return value;
  };
}
