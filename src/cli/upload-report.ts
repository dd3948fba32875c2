/** How `exai upload` talks: one line per file, a progress line on a TTY, notices on stderr. */
import { formatBytes, formatDuration } from '../core/units.js';
import type { UploadEvents, UploadOutcome, ValidatedFile } from '../core/upload/index.js';
import type { ValidationReport } from '../core/validate/index.js';
import type { ExaiError } from '../core/errors.js';
import type { Output } from './output.js';
import { createProgressLine } from './progress.js';
import { outcomeRow, rejectedRow } from '../core/ops/results.js';

export { outcomeRow } from '../core/ops/results.js';
import { startSpinner, type Spinner } from './spinner.js';

/** Extracted text per file id (`upload --print-content`), and the reads that failed. */
export interface UploadContents {
  byFileId: Map<string, string>;
  failures: ExaiError[];
}

/** Validation failed: say which files and why; nothing was sent. */
export function printRejected(reports: readonly ValidationReport[], output: Output): void {
  if (output.json) {
    output.jsonDocument(reports.map(rejectedRow));
    return;
  }
  for (const report of reports.filter((r) => !r.valid)) {
    const why = report.errors.map((e) => `${e.name}: ${e.message}`).join('; ');
    printRejection(output, `${output.chalk.red('✗')} ${report.path}  ${why}`, report);
  }
  const rejected = reports.filter((r) => !r.valid).length;
  output.info(`${rejected} of ${reports.length} files rejected by validation: nothing was uploaded`);
}

/** A rejected file's line, then each distinct hint on its own line: what to do about it. */
export function printRejection(output: Output, line: string, report: ValidationReport): void {
  output.line(line);
  const hints = new Set(report.errors.map((e) => e.hint).filter((h): h is string => h !== undefined));
  for (const hint of hints) output.line(`  ${output.chalk.dim('hint:')} ${hint}`);
}

/** The result of each file, as lines or one JSON array. */
export function printOutcomes(outcomes: readonly UploadOutcome[], output: Output, dryRun: boolean, contents?: UploadContents): void {
  const contentOf = (o: UploadOutcome) => (o.fileId === null ? undefined : contents?.byFileId.get(o.fileId));
  if (output.json) {
    output.jsonDocument(outcomes.map((o) => ({ ...outcomeRow(o), ...(contents ? { content: contentOf(o) ?? null } : {}) })));
    return;
  }
  for (const outcome of outcomes) {
    printOutcome(outcome, output);
    // The text is data: line by line, since a line of human output shows its breaks as \n.
    for (const line of contentOf(outcome)?.replace(/\n$/, '').split('\n') ?? []) output.line(line);
  }
  const count = (status: UploadOutcome['status']) => outcomes.filter((o) => o.status === status).length;
  const summary = dryRun
    ? `${count('would-upload')} would be uploaded, ${count('deduplicated')} already uploaded, ${count('failed')} failed`
    : `${count('uploaded')} uploaded, ${count('deduplicated')} already uploaded, ${count('failed')} failed${count('skipped') ? `, ${count('skipped')} skipped` : ''}`;
  output.info(summary);
}

/**
 * Failures and a dry run's plan are data (shown with -q); a file that got there is a success
 * line, which -q replaces by its bare file id — the one thing a script wants back.
 */
function printOutcome(o: UploadOutcome, output: Output): void {
  const done = o.status === 'uploaded' || o.status === 'deduplicated';
  if (!done) output.line(describeOutcome(o, output));
  else if (output.quiet) output.line(o.fileId ?? '');
  else output.success(describeOutcome(o, output));
}

function describeOutcome(o: UploadOutcome, output: Output): string {
  const { chalk } = output;
  const size = formatBytes(o.size);
  switch (o.status) {
    case 'uploaded':
      return `${chalk.green('✓')} ${o.path}  ${o.provider}  ${o.fileId}  ${size}  uploaded`;
    case 'deduplicated':
      return `${chalk.green('=')} ${o.path}  ${o.provider}  ${o.fileId}  ${size}  already uploaded`;
    case 'would-upload':
      return `${chalk.cyan('→')} ${o.path}  ${size}  would upload to ${o.provider} (${o.purpose})`;
    case 'skipped':
      return `${chalk.dim('-')} ${o.path}  ${size}  skipped (--fail-fast)`;
    case 'failed': {
      const hint = o.error?.hint ? ` (${o.error.hint})` : '';
      return `${chalk.red('✗')} ${o.path}  ${size}  ${o.error?.name ?? 'failed'}: ${o.error?.message ?? ''}${hint}`;
    }
  }
}

/** Progress (a bar, bytes, speed, ETA) and retry/fallback notices while uploads run. */
export function createUploadEvents(files: readonly ValidatedFile[], output: Output): { handlers: UploadEvents; stop(): void } {
  const total = files.reduce((sum, f) => sum + f.facts.size, 0);
  const progress = createProgressLine(output, { unit: 'bytes', verb: 'uploading' });
  const sent = new Map<string, number>();
  const waiting = new Map<string, Spinner>();
  let sum = 0;
  const handlers: UploadEvents = {
    onProgress: (file, bytes) => {
      waiting.get(file.displayPath)?.stop();
      sum += bytes - (sent.get(file.displayPath) ?? 0);
      sent.set(file.displayPath, bytes);
      progress.update(sum, total);
    },
    onRetry: (file, provider, info) =>
      output.info(`${file.displayPath}: ${provider} attempt ${info.attempt} failed (${messageOf(info.error)}); retrying in ${formatDuration(info.delayMs)}`),
    // Called on every wait round: say it once per file. A spinner only when this is the one
    // file: with several, the byte bar of the others shares the line.
    onLockWait: (file, holder) => {
      if (waiting.has(file.displayPath)) return;
      const text = `${file.displayPath}: waiting for another upload of the same content (pid ${holder.pid} on ${holder.hostname}, ${holder.command})`;
      waiting.set(file.displayPath, files.length === 1 ? startSpinner(output, text) : (output.info(text), { stop: () => undefined }));
    },
    onFallback: (file, from, error) => output.info(`${file.displayPath}: ${from} failed (${error.message}); trying the next provider`),
    onReconciled: (file, rowId) => output.info(`${file.displayPath}: took over an abandoned upload (row ${rowId})`),
    onArchiveFailed: (file, error) => output.warn(`${file.displayPath}: uploaded, but the archive copy failed (${error.message})${error.hint ? `; ${error.hint}` : ''}`),
  };
  return {
    handlers,
    stop: () => {
      for (const spinner of waiting.values()) spinner.stop();
      progress.stop();
    },
  };
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
