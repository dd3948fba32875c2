/** Parsers for flag values: a bad value is a usage error (exit 2) naming the flag. */
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
