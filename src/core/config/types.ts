/** The typed, validated configuration every command receives (DESIGN.md §7). */

export type ProviderName = 'kimi' | 'glm' | 'local';

/** Where an effective value came from, shown by `exai config list`. */
export type ConfigSource =
  | { kind: 'default' }
  | { kind: 'file'; path: string }
  | { kind: 'env'; name: string }
  | { kind: 'flag'; name: string };

export interface ProviderEndpointConfig {
  /** API key; a secret, never printed. */
  apiKey: string | undefined;
  baseUrl: string;
}

export interface Dirs {
  /** $XDG_CONFIG_HOME/exai or EXAI_CONFIG_DIR */
  config: string;
  /** $XDG_DATA_HOME/exai or EXAI_DATA_DIR: catalog, local provider blobs */
  data: string;
  /** $XDG_STATE_HOME/exai or EXAI_STATE_DIR: locks, hash cache, breaker state */
  state: string;
}

export interface RetryConfig {
  /** Total attempts including the first. */
  maxAttempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
  /** Retry-After values above this are clamped to it. */
  maxRetryAfterMs: number;
  /** No new attempt starts once this much time has passed since the first. */
  totalBudgetMs: number;
}

export interface BreakerConfig {
  failureThreshold: number;
  cooldownMs: number;
}

export interface HttpConfig {
  connectTimeoutMs: number;
  headersTimeoutMs: number;
  /** Between two chunks only: a trickle resets it, so requestDeadlineMs bounds the whole. */
  bodyTimeoutMs: number;
  /** Every request's total deadline, connect to last response byte, before the body's share. */
  requestDeadlineMs: number;
  /** The slowest upload rate tolerated: a body of N bytes adds N / rate seconds to the deadline. */
  minRateBytesPerSec: number;
}

export interface Config {
  /** Absolute, realpath'd roots that files must live under. */
  allowedPaths: string[];
  allowExternalPaths: boolean;
  allowHardlinks: boolean;
  /** Bytes. */
  maxFileSize: number;
  allowedMimeTypes: string[];
  /** Types refused even when an allowlist has them. */
  blockedMimeTypes: string[];
  /** Lower-case, with leading dot: ".exe". */
  blockedExtensions: string[];
  /** Bytes a zip may declare unpacked in total before it is a bomb. */
  maxUnpackedSize: number;
  /** SVG and HTML are active content and blocked unless this is true. */
  allowActiveContent: boolean;
  /** Preferred provider; undefined → first configured of kimi, glm; else local. */
  provider: ProviderName | undefined;
  /** Default purpose; undefined → the provider's default (file-extract). */
  purpose: string | undefined;
  retentionDays: number;
  /** `gc --if-due` skips when the last gc finished less than this long ago. */
  gcIntervalMs: number;
  lockTimeoutMs: number;
  /** How long a lock or an `uploading` claim stays valid without a refresh. */
  leaseMs: number;
  concurrency: number;
  /** Local quota: total bytes across active + uploading rows. */
  quotaBytes: number;
  metricsFile: string | undefined;
  pushgatewayUrl: string | undefined;
  supabaseUrl: string | undefined;
  supabaseAnonKey: string | undefined;
  supabaseServiceRoleKey: string | undefined;
  accessToken: string | undefined;
  kimi: ProviderEndpointConfig;
  glm: ProviderEndpointConfig;
  dirs: Dirs;
  retry: RetryConfig;
  breaker: BreakerConfig;
  http: HttpConfig;
}

/** Keys that hold secrets: redacted in every listing. */
export const SECRET_KEYS = [
  'kimi.apiKey',
  'glm.apiKey',
  'supabaseAnonKey',
  'supabaseServiceRoleKey',
  'accessToken',
] as const;
