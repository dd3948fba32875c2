/** Naming one catalog row in a sentence, for messages from the core and the CLI alike. */
import { formatBytes } from '../core/units.js';
import type { FileRecord } from './types.js';

/** "kimi cabc123 (report.pdf, 1.2 KiB)": one row named in a sentence. */
export function describeRecord(record: FileRecord): string {
  const id = record.providerFileId ?? `(no provider id, ${record.status})`;
  return `${record.provider} ${id} (${record.originalName}, ${formatBytes(record.sizeBytes)})`;
}
