/**
 * exai as a library: `import { createExai } from 'exai'`. Loads neither commander nor chalk;
 * every operation is the CLI's own core, with the CLI's `--json` shapes as results.
 */
export { createExai } from './library/create-exai.js';
export type { CallOptions, Exai, GcCallOptions, ExaiOptions, ListFilter, RemoveCallOptions, UploadCallOptions, ValidateCallOptions } from './library/types.js';
export type { ExaiProgressEvent, ProgressListener } from './library/progress.js';
export { ExaiError, ERROR_TABLE, EXIT, isExaiError, type ErrorJson, type ErrorName } from './core/errors.js';
export type { ContentJson, QuotaJson, RecordJson, RemoveRow, UploadRow, ValidationReport } from './core/ops/results.js';
export type { GcJson } from './core/ops/gc.js';
export type { Config, ProviderName } from './core/config/types.js';
