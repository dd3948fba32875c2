/**
 * The MCP tools: each a name, a description that states the rules an agent must know (the
 * allowed roots, what is destructive), a JSON Schema for its input and for its structured
 * output. Output schemas are objects: MCP's structuredContent must be one.
 */

/** One tool as tools/list describes it. */
export interface ToolSpec {
  name: string;
  title: string;
  description: string;
  inputSchema: Record<string, unknown> & { type: 'object' };
  outputSchema: Record<string, unknown> & { type: 'object' };
  annotations: { readOnlyHint?: boolean; destructiveHint?: boolean; idempotentHint?: boolean; openWorldHint?: boolean };
}

const paths = (cwd: string) => ({
  type: 'array',
  items: { type: 'string', minLength: 1 },
  minItems: 1,
  maxItems: 1000,
  description: `Files, directories or globs (1 to 1000). Relative paths start at the server's working directory, ${cwd}.`,
});
const PROVIDER = { type: 'string', enum: ['kimi', 'glm', 'local'] };
const ERROR = {
  type: 'object',
  properties: { code: { type: 'number' }, name: { type: 'string' }, message: { type: 'string' }, hint: { type: 'string' } },
  required: ['code', 'name', 'message'],
};
const VALIDATION_REPORT = {
  type: 'object',
  properties: {
    path: { type: 'string' },
    valid: { type: 'boolean' },
    errors: { type: 'array', items: ERROR },
    metadata: {
      type: 'object',
      properties: {
        size: { type: ['number', 'null'] },
        mime_type: { type: ['string', 'null'] },
        extension: { type: ['string', 'null'] },
        sha256: { type: ['string', 'null'] },
      },
    },
  },
  required: ['path', 'valid', 'errors', 'metadata'],
};
const UPLOAD_ROW = {
  type: 'object',
  properties: {
    path: { type: 'string' },
    sha256: { type: ['string', 'null'] },
    size: { type: ['number', 'null'] },
    mime_type: { type: ['string', 'null'] },
    provider: { type: ['string', 'null'] },
    purpose: { type: ['string', 'null'] },
    file_id: { type: ['string', 'null'] },
    deduplicated: { type: 'boolean' },
    status: { type: 'string', enum: ['uploaded', 'deduplicated', 'would-upload', 'failed', 'skipped', 'rejected'] },
  },
  required: ['path', 'file_id', 'deduplicated', 'status'],
};
const RECORD = {
  type: 'object',
  properties: {
    id: { type: 'string' },
    provider: { type: 'string' },
    purpose: { type: 'string' },
    file_id: { type: ['string', 'null'] },
    sha256: { type: 'string' },
    size: { type: 'number' },
    mime_type: { type: 'string' },
    name: { type: 'string' },
    status: { type: 'string' },
    created_at: { type: 'string' },
  },
  required: ['id', 'provider', 'file_id', 'sha256', 'size', 'status'],
};
const REMOVE_ROW = {
  type: 'object',
  properties: {
    ref: { type: 'string' },
    id: { type: ['string', 'null'] },
    provider: { type: ['string', 'null'] },
    file_id: { type: ['string', 'null'] },
    deleted: { type: 'boolean' },
    already_gone: { type: 'boolean' },
    dry_run: { type: 'boolean' },
    error: ERROR,
  },
  required: ['ref', 'deleted', 'dry_run'],
};

const object = (properties: Record<string, unknown>, required: string[] = []) =>
  ({ type: 'object', properties, required, additionalProperties: false }) as const;

/** The tool list, with the allowed roots and the directory relative paths start from written into the descriptions. */
export function toolSpecs(roots: readonly string[], cwd: string, allowRemove: boolean): ToolSpec[] {
  const allowed = roots.length > 0 ? roots.join(', ') : "none: the client's roots share no directory with exai's";
  const where = `Paths must lie inside the allowed roots (${allowed}); relative paths start at the server's working directory (${cwd}); symlinks, devices and files outside are refused.`;
  const PATHS = paths(cwd);
  return [
    {
      name: 'validate_files',
      title: 'Validate files',
      description: `Check files against exai's rules (real type by content, size, blocked extensions, executables, text sanity) without uploading. ${where}`,
      inputSchema: object({ paths: PATHS, max_size: { type: 'string', description: 'Largest file allowed for this call, e.g. "10MB".' } }, ['paths']),
      outputSchema: object({ files: { type: 'array', items: VALIDATION_REPORT }, valid: { type: 'number' }, rejected: { type: 'number' } }, ['files', 'valid', 'rejected']),
      annotations: { readOnlyHint: true, openWorldHint: false },
    },
    {
      name: 'upload_files',
      title: 'Upload files',
      description: `Validate every file, then upload each to the provider once: content already uploaded (same provider and purpose) is not sent again and returns its existing file id. If any file is invalid nothing is uploaded. ${where}`,
      inputSchema: object(
        {
          paths: PATHS,
          provider: { ...PROVIDER, description: 'Upload only to this provider (default: the configured one; local when no API key is set).' },
          purpose: { type: 'string', description: 'The provider file purpose (default file-extract).' },
          dry_run: { type: 'boolean', description: 'Validate and plan only; send nothing.' },
        },
        ['paths'],
      ),
      outputSchema: object({ files: { type: 'array', items: UPLOAD_ROW } }, ['files']),
      annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: true, openWorldHint: true },
    },
    {
      name: 'get_file_content',
      title: 'Get extracted file content',
      description: `The text the provider extracted from an uploaded file (upload with purpose file-extract first). Takes a provider file id, a sha256 prefix (6+ hex digits) or a local path (relative to ${cwd}). Cached: a second read costs no request.`,
      inputSchema: object({ ref: { type: 'string', minLength: 1 } }, ['ref']),
      outputSchema: object(
        { provider: { type: 'string' }, file_id: { type: 'string' }, name: { type: ['string', 'null'] }, content: { type: 'string' }, cached: { type: 'boolean' } },
        ['provider', 'file_id', 'content', 'cached'],
      ),
      annotations: { readOnlyHint: true, openWorldHint: true },
    },
    {
      name: 'list_files',
      title: 'List uploaded files',
      description: 'Files exai has uploaded, from its catalog, newest first.',
      inputSchema: object({
        provider: PROVIDER,
        status: { type: 'string', enum: ['uploading', 'active', 'failed', 'deleted'] },
        since: { type: 'string', description: 'ISO date or time: only files created since then.' },
        limit: { type: 'integer', minimum: 1, maximum: 10000 },
      }),
      outputSchema: object({ files: { type: 'array', items: RECORD } }, ['files']),
      annotations: { readOnlyHint: true, openWorldHint: false },
    },
    {
      name: 'remove_files',
      title: 'Remove uploaded files',
      description: `Delete files at the provider and mark them deleted in the catalog (quota given back). Refs: provider file ids, sha256 prefixes or local paths (relative to ${cwd}). ${allowRemove ? 'Enabled on this server.' : 'Disabled on this server: it was started without --allow-remove, so every call is refused.'}`,
      inputSchema: object({ refs: { type: 'array', items: { type: 'string', minLength: 1 }, minItems: 1, maxItems: 1000 }, dry_run: { type: 'boolean' } }, ['refs']),
      outputSchema: object({ files: { type: 'array', items: REMOVE_ROW }, bytes_freed: { type: 'number' } }, ['files', 'bytes_freed']),
      annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: true, openWorldHint: true },
    },
    {
      name: 'get_quota',
      title: 'Get quota',
      description: 'Bytes used and remaining against the quota, the largest file accepted, and the file count.',
      inputSchema: object({}),
      outputSchema: object(
        {
          used_bytes: { type: 'number' },
          limit_bytes: { type: ['number', 'null'] },
          remaining_bytes: { type: ['number', 'null'] },
          max_file_bytes: { type: 'number' },
          files: { type: 'number' },
          uploading: { type: 'number' },
        },
        ['used_bytes', 'limit_bytes', 'remaining_bytes', 'max_file_bytes', 'files', 'uploading'],
      ),
      annotations: { readOnlyHint: true, openWorldHint: false },
    },
  ];
}
