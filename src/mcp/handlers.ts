/** What each MCP tool does: arguments in, one core operation, a structured result out. */
import type { FileStatus } from '../catalog/types.js';
import type { ProviderName } from '../core/config/types.js';
import { ExaiError } from '../core/errors.js';
import type { Runtime } from '../core/runtime.js';
import { PROVIDERS, STATUSES } from '../library/checks.js';
import { uploadEventsFor, type ProgressListener } from '../library/progress.js';
import { optionalBoolean, optionalDate, optionalInteger, optionalString, readArgs, requiredString, stringList } from './args.js';

/** What a handler gets besides its arguments. */
export interface CallEnv {
  rt: Runtime;
  allowRemove: boolean;
  progress: ProgressListener | undefined;
  /** Something the agent should know that is not an error (on stderr and as an MCP log message). */
  notice: (message: string) => void;
}

type Handler = (raw: unknown, env: CallEnv) => Promise<Record<string, unknown>>;


const validateFilesTool: Handler = async (raw, { rt, progress, notice }) => {
  const args = readArgs('validate_files', raw, ['paths', 'max_size']);
  const { validateFiles } = await import('../core/ops/validate-files.js');
  const result = await validateFiles(rt, stringList(args, 'paths'), {
    maxSize: optionalString(args, 'max_size'),
    onProgress: progress && ((done, total) => progress({ type: 'validate', done, total })),
    onWarning: notice,
  });
  const valid = result.reports.filter((r) => r.valid).length;
  return { files: result.reports, valid, rejected: result.reports.length - valid };
};

const uploadFilesTool: Handler = async (raw, { rt, progress, notice }) => {
  const args = readArgs('upload_files', raw, ['paths', 'provider', 'purpose', 'dry_run']);
  const { uploadFiles } = await import('../core/ops/upload-files.js');
  const { outcomeRow, rejectedRow } = await import('../core/ops/results.js');
  const result = await uploadFiles(rt, stringList(args, 'paths'), {
    provider: optionalString(args, 'provider', PROVIDERS) as ProviderName | undefined,
    purpose: optionalString(args, 'purpose'),
    dryRun: optionalBoolean(args, 'dry_run'),
    onValidated: progress && ((done, total) => progress({ type: 'validate', done, total })),
    onNotice: notice,
    events: uploadEventsFor(progress),
  });
  return { files: result.kind === 'rejected' ? result.reports.map(rejectedRow) : result.outcomes.map(outcomeRow) };
};

const getFileContentTool: Handler = async (raw, { rt }) => {
  const args = readArgs('get_file_content', raw, ['ref']);
  const { getContent } = await import('../core/ops/content.js');
  return { ...(await getContent(rt, requiredString(args, 'ref'))) };
};

const listFilesTool: Handler = async (raw, { rt }) => {
  const args = readArgs('list_files', raw, ['provider', 'status', 'since', 'limit']);
  const { listFiles } = await import('../core/ops/catalog-ops.js');
  const { recordToJson } = await import('../core/ops/results.js');
  const rows = await listFiles(rt, {
    provider: optionalString(args, 'provider', PROVIDERS) as ProviderName | undefined,
    status: optionalString(args, 'status', STATUSES) as FileStatus | undefined,
    since: optionalDate(args, 'since'),
    limit: optionalInteger(args, 'limit', 1, 10_000),
  });
  return { files: rows.map(recordToJson) };
};

const removeFilesTool: Handler = async (raw, { rt, allowRemove }) => {
  const args = readArgs('remove_files', raw, ['refs', 'dry_run']);
  const refs = stringList(args, 'refs');
  const dryRun = optionalBoolean(args, 'dry_run') === true;
  if (!allowRemove && !dryRun) {
    throw new ExaiError('OPERATION_NOT_ALLOWED', 'remove_files is disabled on this server: nothing was deleted', {
      hint: 'start the server with `exai mcp --allow-remove` to let clients delete files (dry_run still works)',
    });
  }
  const { removeFiles } = await import('../core/ops/remove-files.js');
  const result = await removeFiles(rt, refs, { dryRun });
  return { files: result.rows, bytes_freed: result.bytesFreed };
};

const getQuotaTool: Handler = async (raw, { rt }) => {
  readArgs('get_quota', raw, []);
  const { getQuota } = await import('../core/ops/catalog-ops.js');
  return { ...(await getQuota(rt)) };
};

/** Handlers by tool name. */
export const HANDLERS: Readonly<Record<string, Handler>> = {
  validate_files: validateFilesTool,
  upload_files: uploadFilesTool,
  get_file_content: getFileContentTool,
  list_files: listFilesTool,
  remove_files: removeFilesTool,
  get_quota: getQuotaTool,
};
