/** The per-file JSON shape of `exai validate --json` (stable, snake_case). */
import path from 'node:path';
import type { ExaiError } from '../errors.js';
import { finalExtension } from '../files/names.js';
import type { FileInspection } from './inspect.js';

/** One file's entry in the validate report. */
export interface ValidationReport {
  path: string;
  valid: boolean;
  /** `hint` (added later, optional): what to do about it, when there is something to do. */
  errors: { code: number; name: string; message: string; hint?: string }[];
  metadata: {
    size: number | null;
    mime_type: string | null;
    extension: string | null;
    sha256: string | null;
  };
  /** Which MIME allowlist judged the file ("kimi:file-extract", "default", "config"); absent for path errors. */
  allowlist?: string;
}

/** Shape an inspection as `{path, valid, errors, metadata}`; unknown values are null. */
export function toValidationReport(inspection: FileInspection, allowlist?: string): ValidationReport {
  const facts = inspection.facts;
  const extension = facts?.extension ?? finalExtension(path.basename(inspection.displayPath));
  return {
    path: inspection.displayPath,
    valid: inspection.valid,
    errors: inspection.errors.map(reportError),
    metadata: {
      size: facts?.size ?? null,
      mime_type: facts?.mimeType ?? null,
      extension: extension === '' ? null : extension,
      sha256: facts?.read.sha256 ?? null,
    },
    ...(allowlist === undefined ? {} : { allowlist }),
  };
}

/** An input that could not even be expanded (missing, unreadable directory) as a failed report. */
export function reportUnreadable(error: ExaiError): ValidationReport {
  return {
    path: error.path ?? '',
    valid: false,
    errors: [reportError(error)],
    metadata: { size: null, mime_type: null, extension: null, sha256: null },
  };
}

function reportError(error: ExaiError): ValidationReport['errors'][number] {
  return { code: error.code, name: error.name, message: error.message, ...(error.hint === undefined ? {} : { hint: error.hint }) };
}
