/** Catalog rows as people and scripts see them: one JSON shape and one table layout. */
import path from 'node:path';
import type { FileRecord } from '../catalog/types.js';
import { formatBytes } from '../core/units.js';

export { recordToJson, type RecordJson } from '../core/ops/results.js';

/** "2025-03-01 14:05Z": minutes are enough for a listing and the width stays fixed. */
export function formatTimestamp(ms: number): string {
  return `${new Date(ms).toISOString().slice(0, 16).replace('T', ' ')}Z`;
}

/** Align columns with two spaces between them; the last column is not padded. */
export function formatTable(header: readonly string[], rows: readonly (readonly string[])[]): string[] {
  const all = [header, ...rows];
  const widths = header.map((_, col) => Math.max(...all.map((row) => (row[col] ?? '').length)));
  return all.map((row) =>
    row
      .map((cell, col) => (col === row.length - 1 ? cell : cell.padEnd(widths[col] ?? 0)))
      .join('  ')
      .trimEnd(),
  );
}

/**
 * A stored name as people in `cwd` should see it: uploads store the absolute path, shown
 * relative when it is under cwd (or near it), absolute when it is far away. Old rows stored
 * the path as typed, which is shown unchanged.
 */
export function displayName(stored: string, cwd: string): string {
  if (!path.isAbsolute(stored)) return stored;
  const relative = path.relative(cwd, stored);
  if (relative === '') return '.';
  return relative.split(path.sep).filter((p) => p === '..').length > 2 ? stored : relative;
}

/** The `exai ls` table: provider, file id, size, purpose, status, created, name (relative to cwd). */
export function formatRecordTable(records: readonly FileRecord[], cwd: string): string[] {
  const header = ['PROVIDER', 'FILE ID', 'SIZE', 'PURPOSE', 'STATUS', 'CREATED', 'NAME'];
  const rows = records.map((r) => [
    r.provider,
    r.providerFileId ?? '-',
    formatBytes(r.sizeBytes),
    r.purpose,
    r.status,
    formatTimestamp(r.createdAt),
    displayName(r.originalName, cwd),
  ]);
  return formatTable(header, rows);
}

export { describeRecord } from '../catalog/describe.js';
