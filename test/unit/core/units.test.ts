import { describe, expect, it } from 'vitest';
import { formatBytes, formatDuration, parseDuration, parseSize } from '../../../src/core/units.js';

const size = (text: string): number => {
  const parsed = parseSize(text);
  if (!parsed.ok) throw new Error(parsed.error);
  return parsed.value;
};

const sizeError = (text: string): string => {
  const parsed = parseSize(text);
  if (parsed.ok) throw new Error(`expected ${text} to be rejected, got ${parsed.value}`);
  return parsed.error;
};

describe('parseSize', () => {
  it.each([
    ['1048576', 1_048_576],
    ['100MB', 100_000_000],
    ['100M', 100_000_000],
    ['100mb', 100_000_000],
    ['100 MB', 100_000_000],
    ['1.5GB', 1_500_000_000],
    ['1.1KB', 1100],
    ['10KB', 10_000],
    ['10k', 10_000],
    ['512MiB', 512 * 1024 * 1024],
    ['512Mi', 512 * 1024 * 1024],
    ['512mib', 512 * 1024 * 1024],
    ['1GiB', 1024 ** 3],
    ['512B', 512],
    ['  42  ', 42],
  ])('reads %s as %d bytes', (text, bytes) => {
    expect(size(text)).toBe(bytes);
  });

  it('rejects negative sizes and says sizes must be positive with examples', () => {
    expect(sizeError('-5MB')).toBe('sizes must be positive (e.g. 100MB, 512MiB, 1048576)');
  });

  it.each(['', '   ', 'abc', 'NaN', '5XB', '1e6', '1..5MB', 'MB'])('rejects %j', (text) => {
    expect(sizeError(text)).toMatch(/size|unit/);
  });

  it('rejects fractional bytes', () => {
    expect(sizeError('1.5')).toMatch(/whole number of bytes/);
    expect(sizeError('1.0001KB')).toMatch(/whole number of bytes/);
  });

  it('rejects sizes beyond Number.MAX_SAFE_INTEGER', () => {
    expect(sizeError('9007199254740992')).toMatch(/too large/);
    expect(sizeError('100000TB')).toMatch(/too large/);
    expect(size('9007199254740991')).toBe(Number.MAX_SAFE_INTEGER);
  });

  it('rejects zero unless allowed', () => {
    expect(sizeError('0')).toMatch(/positive/);
    expect(parseSize('0', { allowZero: true })).toEqual({ ok: true, value: 0 });
  });
});

describe('formatBytes', () => {
  it.each([
    [0, '0 B'],
    [512, '512 B'],
    [1023, '1023 B'],
    [1024, '1.0 KiB'],
    [95 * 1024 * 1024, '95.0 MiB'],
    [512 * 1024 * 1024, '512.0 MiB'],
    [10 * 1024 ** 3, '10.0 GiB'],
  ])('formats %d as %s', (bytes, text) => {
    expect(formatBytes(bytes)).toBe(text);
  });
});

describe('parseDuration', () => {
  it.each([
    ['30d', 30 * 86_400_000],
    ['5m', 300_000],
    ['90s', 90_000],
    ['250ms', 250],
    ['2h', 7_200_000],
    ['1w', 604_800_000],
    ['1.5h', 5_400_000],
    ['3m 20s', 200_000],
    ['1h30m', 5_400_000],
    ['5 min', 300_000],
    ['0', 0],
  ])('reads %s as %d ms', (text, ms) => {
    expect(parseDuration(text)).toEqual({ ok: true, value: ms });
  });

  it('reads a bare number as seconds, or milliseconds when asked', () => {
    expect(parseDuration('90')).toEqual({ ok: true, value: 90_000 });
    expect(parseDuration('500', { bareUnit: 'ms' })).toEqual({ ok: true, value: 500 });
  });

  it.each(['', '-5m', 'soon', '5x', '5m30', 'm5', '1e400d'])('rejects %j', (text) => {
    expect(parseDuration(text).ok).toBe(false);
  });

  it('names the unknown unit', () => {
    expect(parseDuration('5y')).toEqual({ ok: false, error: expect.stringContaining('"y"') as unknown });
  });
});

describe('formatDuration', () => {
  it.each([
    [250, '250ms'],
    [1500, '1.5s'],
    [45_000, '45s'],
    [200_000, '3m 20s'],
    [7_200_000, '2h'],
    [30 * 86_400_000, '30d'],
    [90_061_000, '1d 1h 1m 1s'],
  ])('formats %d ms as %s', (ms, text) => {
    expect(formatDuration(ms)).toBe(text);
  });

  it('round-trips through parseDuration', () => {
    for (const ms of [250, 1500, 200_000, 90_061_000]) {
      expect(parseDuration(formatDuration(ms))).toEqual({ ok: true, value: ms });
    }
  });
});
