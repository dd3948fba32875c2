/**
 * Count- and byte-based progress lines on top of Output.progress(): the same TTY-only,
 * throttled, self-clearing status line, with the wording validate and upload share.
 */
import { formatBytes, formatDuration } from '../core/units.js';
import type { Output } from './output.js';

/** A progress line fed with numbers; a no-op when stderr is not an interactive TTY. */
export interface ProgressLine {
  /** Report `done` out of `total` (files, or bytes for the byte variant). */
  update(done: number, total: number): void;
  /** Clear the line; call once at the end (also on failure). */
  stop(): void;
}

/** How to word the line. */
export interface ProgressLineOptions {
  /** "files": "validating 120/10000 files…"; "bytes": "uploading 12.0 MiB/1.0 GiB  8.0 MiB/s  ETA 2m 5s". */
  unit: 'files' | 'bytes';
  /** The verb at the start of the line, e.g. "validating". */
  verb: string;
  /** Injectable clock for speed and ETA (ms). */
  now?: () => number;
}

const NOOP: ProgressLine = { update: () => undefined, stop: () => undefined };

/** Create a progress line on `output`'s stderr (only on a TTY, never with --json or -q). */
export function createProgressLine(output: Output, opts: ProgressLineOptions): ProgressLine {
  if (!output.interactive) return NOOP;
  const line = output.progress();
  const now = opts.now ?? Date.now;
  const started = now();
  const describe = opts.unit === 'files' ? describeCount : (done: number, total: number) => `${drawBar(done, total)}  ${describeBytes(done, total, now() - started)}`;
  return {
    update: (done, total) => line.update(`${opts.verb} ${describe(done, total)}`),
    stop: () => line.stop(),
  };
}

function describeCount(done: number, total: number): string {
  return `${done}/${total} files…`;
}

/** "12.0 MiB/1.0 GiB  8.0 MiB/s  ETA 2m 5s" — speed and ETA only once there is something to go on. */
export function describeBytes(done: number, total: number, elapsedMs: number): string {
  const parts = [`${formatBytes(done)}/${formatBytes(total)}`];
  if (elapsedMs >= 250 && done > 0) {
    const perSecond = (done / elapsedMs) * 1000;
    parts.push(`${formatBytes(Math.round(perSecond))}/s`);
    // Whole seconds: an ETA that flickers "1.234s" is noise.
    if (total > done) parts.push(`ETA ${formatDuration(Math.max(1, Math.round((total - done) / perSecond)) * 1000)}`);
  }
  return parts.join('  ');
}

/** "[########------------]": 20 cells, filled in proportion to done/total. */
export function drawBar(done: number, total: number, width = 20): string {
  const filled = total > 0 ? Math.min(width, Math.max(0, Math.floor((done / total) * width))) : 0;
  return `[${'#'.repeat(filled)}${'-'.repeat(width - filled)}]`;
}
