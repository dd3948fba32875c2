/** The upload pipeline (DESIGN.md §1): prepare (steps 1-3), then per file steps 4-10. */
export { prepareFiles, type PreparedBatch, type PrepareOptions } from './prepare.js';
export { uploadBatch, type BatchOptions } from './batch.js';
export { uploadFile } from './one-file.js';
export type { UploadDeps, UploadEvents, UploadOptions, UploadOutcome, UploadStatus, ValidatedFile } from './types.js';
