/** The operations every front end (CLI, library, MCP) calls: one home for each behaviour. */
export { validateFiles, type ValidateFilesOptions, type ValidateFilesResult } from './validate-files.js';
export { uploadFiles, buildUploadDeps, tallyOutcomes, type UploadFilesOptions, type UploadFilesResult } from './upload-files.js';
export { listFiles, getQuota, type ListFilesOptions } from './catalog-ops.js';
export { removeFiles, type RemoveFilesOptions, type RemoveFilesResult } from './remove-files.js';
export { getContent, contentCachePath } from './content.js';
export * from './results.js';
