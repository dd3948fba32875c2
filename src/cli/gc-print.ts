/** gc's printing: the ora spinner while planning, a count while deleting, candidates and totals, --json. */
import type { GcCandidate, GcError, GcOrphan, GcOutcome, GcPlan } from '../core/lifecycle/index.js';
import { candidateJson, errorJson, gcDays as days, orphanJson } from '../core/ops/gc.js';
import { formatBytes } from '../core/units.js';
import { displayName } from './format-record.js';
import type { Output } from './output.js';

/** A spinner on stderr while gc plans; nothing at all off a TTY, with --json or -q. */
export async function startPlanningSpinner(output: Output, text: string): Promise<{ stop(): void }> {
  const { startQuietSpinner } = await import('./spinner.js');
  return startQuietSpinner(output, text);
}

/**
 * The --json document, exactly: delete, keep_count, bytes_freed, orphans, errors. Written in
 * pieces of ~64 KB rather than built as one string: a plan of 70,000 deletions is ~11 MB of
 * JSON, and one string of it (plus its pretty-printing and redaction copies) cost ~50 MB.
 */
export function writeGcJson(output: Output, deleted: readonly GcCandidate[], keepCount: number, bytesFreed: number, plan: GcPlan, errors: readonly GcError[]): void {
  const out = chunker(output);
  out.push('{\n');
  writeArray(out, 'delete', deleted, (c) => output.jsonFragment(candidateJson(c)));
  out.push(`  "keep_count": ${keepCount},\n  "bytes_freed": ${bytesFreed},\n`);
  writeArray(out, 'orphans', plan.orphans, (o) => output.jsonFragment(orphanJson(o)));
  out.push('  "errors": [');
  out.push(errors.map((e) => `\n    ${output.jsonFragment(errorJson(e))}`).join(','));
  out.push(errors.length > 0 ? '\n  ]\n}\n' : ']\n}\n');
  out.flush();
}

function writeArray<T>(out: ReturnType<typeof chunker>, key: string, items: readonly T[], toJson: (item: T) => string): void {
  out.push(`  "${key}": [`);
  items.forEach((item, i) => out.push(`${i === 0 ? '' : ','}\n    ${toJson(item)}`));
  out.push(items.length > 0 ? '\n  ],\n' : '],\n');
}

/** Collect text and hand it to Output.jsonText in ~64 KB pieces (each value was redacted by Output.jsonFragment). */
function chunker(output: Output): { push(text: string): void; flush(): void } {
  let parts: string[] = [];
  let size = 0;
  const flush = (): void => {
    if (parts.length > 0) output.jsonText(parts.join(''));
    parts = [];
    size = 0;
  };
  return {
    push: (text) => {
      parts.push(text);
      size += text.length;
      // Pieces end between JSON tokens, so the newline line() adds is only whitespace.
      if (size >= 65_536) flush();
    },
    flush,
  };
}


const ACTION_WORDS: Record<GcCandidate['action'], string> = {
  'delete-row': 'past retention',
  'purge-failed': 'failed upload, purged from the catalog',
  'delete-remote': 'orphan: no catalog row references it',
  'mark-missing': 'orphan: the provider no longer has it',
};

/** "kimi cabc123 (notes.txt, 4 KiB) — past retention, 40.2 days old" */
export function describeCandidate(c: GcCandidate | GcOrphan, cwd?: string): string {
  const why = 'action' in c ? ACTION_WORDS[c.action] : c.kind === 'provider-only' ? 'no catalog row references it' : 'the provider no longer has it';
  const id = c.fileId === null ? `(no provider id, ${c.record?.status ?? 'unknown'})` : printable(c.fileId);
  return `${c.provider} ${id} (${printable(cwd === undefined || c.record === undefined ? c.name : displayName(c.name, cwd))}, ${formatBytes(c.size)}) — ${why}, ${days(c.ageMs)} days old`;
}

/** Names and ids from a provider listing are the provider's text: no escape sequences reach the terminal. */
function printable(text: string): string {
  // eslint-disable-next-line no-control-regex -- replacing control characters is the point
  return text.replace(/[\u0000-\u001f\u007f-\u009f]/g, '?');
}

/** The human report of a plan (dry run) or of what a run did. */
export function printGcReport(output: Output, plan: GcPlan, result: { outcome?: GcOutcome; usedBytes: number; orphansActed: boolean; cwd?: string }): void {
  const { outcome } = result;
  const deleted = outcome?.deleted ?? plan.delete;
  const verb = outcome ? 'deleted' : 'would delete';
  for (const c of deleted) output.line(`${verb} ${describeCandidate(c, result.cwd)}`);
  for (const s of outcome?.skipped ?? []) output.info(`kept ${describeCandidate(s.candidate, result.cwd)}: ${s.why}`);
  const unacted = result.orphansActed ? [] : plan.orphans;
  for (const o of unacted) output.line(`orphan ${describeCandidate(o, result.cwd)} (pass --orphans to act on it)`);
  for (const e of outcome?.errors ?? plan.errors) {
    output.error(`${output.chalk.red('error:')} ${e.provider}${e.fileId ? ` ${e.fileId}` : ''}: ${e.error.message}`);
    if (e.error.hint) output.error(`${output.chalk.dim('hint:')} ${e.error.hint}`);
  }
  if (outcome && outcome.reconciled.length > 0) output.info(`${outcome.reconciled.length} interrupted uploads marked failed`);
  if (outcome && outcome.locksRemoved > 0) output.info(`${outcome.locksRemoved} stale locks removed`);
  const freed = outcome?.bytesFreed ?? plan.bytesFreed;
  const quotaAfter = Math.max(0, result.usedBytes - (outcome?.quotaFreed ?? plan.quotaFreed));
  const noun = deleted.length === 1 ? 'file' : 'files';
  const tail = outcome ? '' : '; nothing changed';
  output.info(`${verb} ${deleted.length} ${noun}, ${formatBytes(freed)} freed, quota after: ${formatBytes(quotaAfter)} used${tail}`);
}
