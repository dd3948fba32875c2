/**
 * Every error exai can report, in one table: a numeric code by category, one HTTP status
 * (for --json and any future server) and one exit code. Only src/cli/main.ts turns an
 * error into an exit code; core code throws ExaiError and nothing else on purpose.
 *
 * Categories: 1xxx validation (11xx usage), 2xxx path/security, 3xxx auth, 4xxx quota,
 * 5xxx provider, 6xxx catalog/storage, 7xxx lock, 8xxx config, 9xxx internal.
 */

/** Exit codes, DESIGN.md §8. */
export const EXIT = {
  ok: 0,
  failure: 1,
  usage: 2,
  validation: 3,
  auth: 4,
  quota: 5,
  noProvider: 6,
  lock: 7,
  partial: 8,
  config: 9,
  interrupted: 130,
} as const;

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

interface ErrorSpec {
  readonly code: number;
  readonly http: number;
  readonly exit: ExitCode;
}

const spec = (code: number, http: number, exit: ExitCode): ErrorSpec => ({ code, http, exit });

/** The one table of error names. Add new errors here, nowhere else. */
export const ERROR_TABLE = {
  // 1xxx validation: the file's content or name breaks a rule (exit 3)
  FILE_TOO_LARGE: spec(1001, 413, EXIT.validation),
  FILE_EMPTY: spec(1002, 422, EXIT.validation),
  BLOCKED_EXTENSION: spec(1003, 415, EXIT.validation),
  MIME_NOT_ALLOWED: spec(1004, 415, EXIT.validation),
  EXECUTABLE_CONTENT: spec(1005, 415, EXIT.validation),
  EXTENSION_MISMATCH: spec(1006, 415, EXIT.validation),
  INVALID_TEXT: spec(1007, 415, EXIT.validation),
  ACTIVE_CONTENT: spec(1008, 415, EXIT.validation),
  FILE_CHANGED: spec(1009, 409, EXIT.validation),
  UNKNOWN_TYPE: spec(1010, 415, EXIT.validation),
  ARCHIVE_BOMB: spec(1011, 413, EXIT.validation),
  UNSAFE_ARCHIVE_ENTRY: spec(1012, 415, EXIT.validation),
  // 11xx usage: bad flags or arguments (exit 2)
  USAGE: spec(1101, 400, EXIT.usage),
  INVALID_PURPOSE: spec(1102, 400, EXIT.usage),
  CONFIRMATION_REQUIRED: spec(1103, 400, EXIT.usage),
  NO_FILES: spec(1104, 400, EXIT.usage),
  OPERATION_NOT_ALLOWED: spec(1105, 403, EXIT.usage),
  DELETE_LIMIT_EXCEEDED: spec(1106, 409, EXIT.usage),
  // 2xxx path and security (exit 3: the file was rejected)
  PATH_OUTSIDE_ROOTS: spec(2001, 403, EXIT.validation),
  PATH_NOT_FOUND: spec(2002, 404, EXIT.validation),
  SYMLINK_REJECTED: spec(2003, 403, EXIT.validation),
  NOT_REGULAR_FILE: spec(2004, 403, EXIT.validation),
  HARDLINK_REJECTED: spec(2005, 403, EXIT.validation),
  PATH_INVALID: spec(2006, 400, EXIT.validation),
  FILE_IDENTITY_CHANGED: spec(2007, 409, EXIT.validation),
  SPECIAL_FILESYSTEM: spec(2008, 403, EXIT.validation),
  PERMISSION_DENIED: spec(2009, 403, EXIT.validation),
  // 3xxx auth (exit 4)
  AUTH_REQUIRED: spec(3001, 401, EXIT.auth),
  AUTH_REFUSED: spec(3002, 403, EXIT.auth),
  // 4xxx quota (exit 5)
  QUOTA_EXCEEDED: spec(4001, 507, EXIT.quota),
  PROVIDER_QUOTA_EXHAUSTED: spec(4002, 402, EXIT.quota),
  // 5xxx provider
  NO_PROVIDER_AVAILABLE: spec(5001, 503, EXIT.noProvider),
  PROVIDER_UNAVAILABLE: spec(5002, 503, EXIT.noProvider),
  PROVIDER_RATE_LIMITED: spec(5003, 429, EXIT.noProvider),
  PROVIDER_REJECTED: spec(5004, 400, EXIT.failure),
  PROVIDER_AUTH_FAILED: spec(5005, 401, EXIT.auth),
  PROVIDER_FILE_TOO_LARGE: spec(5006, 413, EXIT.validation),
  PROVIDER_NOT_FOUND: spec(5007, 404, EXIT.failure),
  PROVIDER_BAD_RESPONSE: spec(5008, 502, EXIT.noProvider),
  CONTENT_UNAVAILABLE: spec(5010, 422, EXIT.failure),
  PROVIDER_TIMEOUT: spec(5009, 504, EXIT.noProvider),
  // 6xxx catalog and storage
  CATALOG_ERROR: spec(6001, 500, EXIT.failure),
  NOT_IN_CATALOG: spec(6002, 404, EXIT.failure),
  AMBIGUOUS_REFERENCE: spec(6003, 409, EXIT.usage),
  // 7xxx locks
  LOCK_TIMEOUT: spec(7001, 423, EXIT.lock),
  LOCK_LOST: spec(7002, 423, EXIT.lock),
  // 8xxx config
  CONFIG_INVALID: spec(8001, 500, EXIT.config),
  // 9xxx internal
  INTERNAL: spec(9001, 500, EXIT.failure),
  INTERRUPTED: spec(9002, 499, EXIT.interrupted),
} as const satisfies Record<string, ErrorSpec>;

export type ErrorName = keyof typeof ERROR_TABLE;

export interface ExaiErrorOptions {
  hint?: string;
  path?: string;
  cause?: unknown;
  /** For provider errors: may the same request be sent again? */
  retryable?: boolean;
  /** For provider errors: how long the server asked us to wait (already parsed). */
  retryAfterMs?: number;
  /** For provider errors: the HTTP status that came back, if any. */
  status?: number;
  /** Extra machine-readable detail (never secrets); `lines`: a message of several lines, one per entry. */
  details?: Record<string, unknown>;
}

/**
 * Marks an ExaiError across copies of this module: `exai mcp` runs from a bundle of its own
 * (scripts/bundle.mjs), and an error from there is still an ExaiError to the CLI that ran it.
 */
const EXAI_ERROR_BRAND = Symbol.for('exai.ExaiError');

/** The only error type exai throws on purpose. */
export class ExaiError extends Error {
  override readonly name: ErrorName;
  readonly code: number;
  readonly hint: string | undefined;
  readonly path: string | undefined;
  readonly retryable: boolean;
  readonly retryAfterMs: number | undefined;
  readonly status: number | undefined;
  readonly details: Record<string, unknown> | undefined;

  constructor(name: ErrorName, message: string, options: ExaiErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = name;
    this.code = ERROR_TABLE[name].code;
    this.hint = options.hint;
    this.path = options.path;
    this.retryable = options.retryable ?? false;
    this.retryAfterMs = options.retryAfterMs;
    this.status = options.status;
    this.details = options.details;
  }

  /** The exit code this error maps to (DESIGN.md §8). */
  get exitCode(): ExitCode {
    return ERROR_TABLE[this.name].exit;
  }

  /** The HTTP status this error maps to. */
  get httpStatus(): number {
    return ERROR_TABLE[this.name].http;
  }

  /** The stable JSON shape used by --json and the validate report. */
  toJSON(): ErrorJson {
    return {
      code: this.code,
      name: this.name,
      message: this.message,
      ...(this.hint === undefined ? {} : { hint: this.hint }),
      ...(this.path === undefined ? {} : { path: this.path }),
      http_status: this.httpStatus,
    };
  }
}

export interface ErrorJson {
  code: number;
  name: string;
  message: string;
  hint?: string;
  path?: string;
  http_status: number;
}

// On the prototype: not an own property, so it never shows in comparisons or JSON.
Object.defineProperty(ExaiError.prototype, EXAI_ERROR_BRAND, { value: true });

/** True for an ExaiError from this module or from another copy of it. */
export function isExaiError(value: unknown): value is ExaiError {
  return value instanceof ExaiError || (typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[EXAI_ERROR_BRAND] === true);
}

/** Look up the exit code for a set of per-item results: all ok → 0, all failed → the common code, mixed → 8. */
export function exitCodeForBatch(succeeded: number, failures: readonly ExaiError[]): ExitCode {
  if (failures.length === 0) return EXIT.ok;
  if (succeeded > 0) return EXIT.partial;
  const codes = new Set(failures.map((f) => f.exitCode));
  const [only] = codes;
  return codes.size === 1 && only !== undefined ? only : EXIT.failure;
}

/**
 * A message's lines. The CLI shows a line break inside a line as \n (it may come from a file
 * name), so a message that is several lines of ours lists them in `details.lines`.
 */
export function messageLines(error: ExaiError): string[] {
  const lines = error.details?.['lines'];
  return Array.isArray(lines) && lines.length > 0 && lines.every((l) => typeof l === 'string') ? lines : [error.message];
}
