/**
 * Sizes and durations as people write them ("100MB", "512MiB", "5m", "3m 20s") and back.
 * Hand-written rather than `bytes`/`ms` because those accept fractional bytes, negative
 * values and silently rounding floats; config validation needs exact answers and messages.
 */

/** A parse outcome: the value, or a message saying what is wrong (no key or source in it). */
export type Parsed<T> = { ok: true; value: T } | { ok: false; error: string };

const SIZE_EXAMPLES = '(e.g. 100MB, 512MiB, 1048576)';
const DURATION_EXAMPLES = '(e.g. 30s, 5m, 2h, 30d, 250ms)';

// Decimal SI for KB/MB/GB (1 MB = 1,000,000 bytes) as providers document limits; binary for KiB.
const SIZE_UNITS: Record<string, bigint> = {
  '': 1n,
  b: 1n,
  k: 10n ** 3n,
  kb: 10n ** 3n,
  m: 10n ** 6n,
  mb: 10n ** 6n,
  g: 10n ** 9n,
  gb: 10n ** 9n,
  t: 10n ** 12n,
  tb: 10n ** 12n,
  ki: 2n ** 10n,
  kib: 2n ** 10n,
  mi: 2n ** 20n,
  mib: 2n ** 20n,
  gi: 2n ** 30n,
  gib: 2n ** 30n,
  ti: 2n ** 40n,
  tib: 2n ** 40n,
};

const DURATION_UNITS: Record<string, number> = {
  ms: 1,
  s: 1000,
  sec: 1000,
  secs: 1000,
  second: 1000,
  seconds: 1000,
  m: 60_000,
  min: 60_000,
  mins: 60_000,
  minute: 60_000,
  minutes: 60_000,
  h: 3_600_000,
  hr: 3_600_000,
  hrs: 3_600_000,
  hour: 3_600_000,
  hours: 3_600_000,
  d: 86_400_000,
  day: 86_400_000,
  days: 86_400_000,
  w: 604_800_000,
  week: 604_800_000,
  weeks: 604_800_000,
};

const fail = (error: string): { ok: false; error: string } => ({ ok: false, error });

/** Parse a byte size: "1048576", "100MB" (decimal), "512MiB"/"512Mi" (binary), "1.5 GB"; case-insensitive. */
export function parseSize(text: string, options: { allowZero?: boolean } = {}): Parsed<number> {
  const trimmed = text.trim();
  if (trimmed === '') return fail(`a size is required ${SIZE_EXAMPLES}`);
  const match = /^([+-]?)(\d+)(?:\.(\d+))?\s*([a-z]*)$/i.exec(trimmed);
  if (!match) return fail(`not a size ${SIZE_EXAMPLES}`);
  const [, sign = '', whole = '', fraction = '', unitText = ''] = match;
  const unit = SIZE_UNITS[unitText.toLowerCase()];
  if (unit === undefined) return fail(`unknown size unit "${unitText}" ${SIZE_EXAMPLES}`);
  // Exact decimal arithmetic: 1.1KB must be 1100, not 1100.0000000000002.
  const scale = 10n ** BigInt(fraction.length);
  const scaled = (BigInt(whole) * scale + BigInt(fraction || '0')) * unit;
  if (sign === '-' && scaled !== 0n) return fail(`sizes must be positive ${SIZE_EXAMPLES}`);
  if (scaled % scale !== 0n) return fail(`a size must be a whole number of bytes ${SIZE_EXAMPLES}`);
  const bytes = scaled / scale;
  if (bytes === 0n && options.allowZero !== true) return fail(`sizes must be positive ${SIZE_EXAMPLES}`);
  if (bytes > BigInt(Number.MAX_SAFE_INTEGER)) return fail(`size is too large (at most ${Number.MAX_SAFE_INTEGER} bytes)`);
  return { ok: true, value: Number(bytes) };
}

/** Format bytes for people with binary units: "512 B", "95.0 MiB", "10.0 GiB". */
export function formatBytes(bytes: number): string {
  const units = ['KiB', 'MiB', 'GiB', 'TiB', 'PiB'];
  if (!Number.isFinite(bytes)) return String(bytes);
  const sign = bytes < 0 ? '-' : '';
  let value = Math.abs(bytes);
  if (value < 1024) return `${sign}${value} B`;
  let unit = 'B';
  for (const next of units) {
    if (value < 1024) break;
    value /= 1024;
    unit = next;
  }
  return `${sign}${value.toFixed(1)} ${unit}`;
}

/**
 * Parse a duration into milliseconds: "30d", "5m", "90s", "250ms", "2h", "1w", "1h 30m".
 * A bare number is in `bareUnit` — seconds unless the caller says otherwise (keys ending in
 * "Ms" take bare milliseconds).
 */
export function parseDuration(text: string, options: { bareUnit?: 's' | 'ms' } = {}): Parsed<number> {
  const trimmed = text.trim();
  if (trimmed === '') return fail(`a duration is required ${DURATION_EXAMPLES}`);
  if (trimmed.startsWith('-')) return fail(`durations must not be negative ${DURATION_EXAMPLES}`);
  const bare = /^\+?(\d+(?:\.\d+)?)$/.exec(trimmed);
  if (bare) return toMs(Number(bare[1]) * (options.bareUnit === 'ms' ? 1 : 1000));
  const part = /(\d+(?:\.\d+)?)\s*([a-z]+)\s*/giy;
  let total = 0;
  let consumed = 0;
  for (let match = part.exec(trimmed); match; match = part.exec(trimmed)) {
    const [whole, amount = '', unitText = ''] = match;
    const unit = DURATION_UNITS[unitText.toLowerCase()];
    if (unit === undefined) return fail(`unknown duration unit "${unitText}" ${DURATION_EXAMPLES}`);
    total += Number(amount) * unit;
    consumed += whole.length;
  }
  if (consumed !== trimmed.length) return fail(`not a duration ${DURATION_EXAMPLES}`);
  return toMs(total);
}

function toMs(value: number): Parsed<number> {
  const ms = Math.round(value);
  if (!Number.isSafeInteger(ms)) return fail('duration is too large');
  return { ok: true, value: ms };
}

/** Format milliseconds for people: "250ms", "1.5s", "3m 20s", "2h", "30d". */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms)) return String(ms);
  if (ms < 0) return `-${formatDuration(-ms)}`;
  if (ms < 1000) return `${Math.round(ms)}ms`;
  if (ms < 60_000) return `${Number((ms / 1000).toFixed(3))}s`;
  const parts: string[] = [];
  let rest = Math.floor(ms / 1000);
  for (const [unit, size] of [['d', 86_400], ['h', 3600], ['m', 60], ['s', 1]] as const) {
    const count = Math.floor(rest / size);
    rest -= count * size;
    if (count > 0) parts.push(`${count}${unit}`);
  }
  return parts.join(' ');
}
