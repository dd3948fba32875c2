/** The one table of configuration keys: name, field, env names, parser, description. */
import {
  choiceParser,
  durationParser,
  integerParser,
  parseBooleanValue,
  parseExtensionListValue,
  parseFilePathValue,
  parseMimeListValue,
  parseRootsValue,
  parseSizeValue,
  parseTextValue,
  parseUrlValue,
} from './parsers.js';
import type { ValueParser } from './parsers.js';
import { SECRET_KEYS } from './types.js';

/** How a value is shown to people. */
export type KeyKind = 'size' | 'duration' | 'boolean' | 'integer' | 'list' | 'text' | 'url' | 'secret' | 'path';

/** One settable configuration key. */
export interface ConfigKeySpec {
  /** What users type: `exai config set <key>`, and the key in config.json (dotted = nested). */
  key: string;
  /** Dotted path into Config when it differs from `key` (lockTimeout → lockTimeoutMs). */
  field: string;
  /** Environment names, canonical first, then aliases; empty → file and flags only. */
  env: readonly string[];
  description: string;
  kind: KeyKind;
  /** Secrets come from the environment only and are always redacted. */
  secret: boolean;
  parse: ValueParser;
}

const SECRETS: readonly string[] = SECRET_KEYS;

function spec(key: string, kind: KeyKind, parse: ValueParser, env: readonly string[], description: string, field = key): ConfigKeySpec {
  return { key, field, env, description, kind, secret: SECRETS.includes(key), parse };
}

const ms = (min: number): ValueParser => durationParser('ms', min);

/**
 * The shortest lease: locks and claims are renewed every third of it, so 6 s leaves each
 * renewal 2 s — several round-trips of a busy disk or catalog — before the next is due.
 */
export const MIN_LEASE_MS = 6_000;
// Zero would make every deadline infinite: at least a byte a second.
const minRateParser: ValueParser = (raw, ctx) => {
  const parsed = parseSizeValue(raw, ctx);
  if (parsed.ok && (parsed.value as number) < 1) return { ok: false, error: 'must be at least 1 byte (per second)' };
  return parsed;
};

/** Every key `exai config` knows, in the order `exai config list` shows them. */
export const CONFIG_KEYS: readonly ConfigKeySpec[] = [
  spec('allowedPaths', 'list', parseRootsValue, ['EXAI_ALLOWED_PATHS'], 'directories files must live under (":"-separated); default: the current directory'),
  spec('allowExternalPaths', 'boolean', parseBooleanValue, ['EXAI_ALLOW_EXTERNAL_PATHS'], 'allow files outside allowedPaths'),
  spec('allowHardlinks', 'boolean', parseBooleanValue, ['EXAI_ALLOW_HARDLINKS'], 'allow files with more than one hard link'),
  spec('allowActiveContent', 'boolean', parseBooleanValue, ['EXAI_ALLOW_ACTIVE_CONTENT'], 'allow SVG and HTML (active content)'),
  spec('maxFileSize', 'size', parseSizeValue, ['EXAI_MAX_FILE_SIZE'], 'largest file accepted (100MB, 512MiB, bytes); the provider limit also applies'),
  spec('allowedMimeTypes', 'list', parseMimeListValue, ['EXAI_ALLOWED_MIME_TYPES'], 'MIME types accepted, by content (comma-separated)'),
  spec('blockedMimeTypes', 'list', parseMimeListValue, ['EXAI_BLOCKED_MIME_TYPES'], 'MIME types refused even where an allowlist has them (comma-separated)'),
  spec('maxUnpackedSize', 'size', parseSizeValue, ['EXAI_MAX_UNPACKED_SIZE'], 'largest total a zip (docx, xlsx, epub, …) may declare unpacked; more is a zip bomb'),
  spec('blockedExtensions', 'list', parseExtensionListValue, ['EXAI_BLOCKED_EXTENSIONS'], 'file extensions always refused (comma- or space-separated)'),
  spec('provider', 'text', choiceParser(['kimi', 'glm', 'local']), ['EXAI_PROVIDER'], 'preferred provider: kimi, glm or local; default: first configured of kimi, glm, else local'),
  spec('purpose', 'text', parseTextValue, ['EXAI_PURPOSE'], "default upload purpose; default: the provider's (file-extract)"),
  spec('retentionDays', 'integer', integerParser(1, 36_500), ['EXAI_RETENTION_DAYS'], 'days an uploaded file is kept before gc deletes it'),
  spec('gcInterval', 'duration', durationParser('s', 1000), ['EXAI_GC_INTERVAL'], 'gc --if-due runs only when the last gc is older than this (24h; a bare number is seconds)', 'gcIntervalMs'),
  spec('lockTimeout', 'duration', durationParser('s', 0), ['EXAI_LOCK_TIMEOUT'], 'how long to wait for a lock (5m; a bare number is seconds)', 'lockTimeoutMs'),
  spec('lease', 'duration', durationParser('s', MIN_LEASE_MS), ['EXAI_LEASE'], 'how long a lock or upload claim stays valid without a refresh (a bare number is seconds)', 'leaseMs'),
  spec('concurrency', 'integer', integerParser(1, 64), ['EXAI_CONCURRENCY'], 'files uploaded at once (1-64)'),
  spec('quota', 'size', parseSizeValue, ['EXAI_QUOTA'], 'local quota: total bytes of active and uploading files', 'quotaBytes'),
  spec('metricsFile', 'path', parseFilePathValue, ['EXAI_METRICS_FILE'], 'write Prometheus metrics to this textfile'),
  spec('pushgatewayUrl', 'url', parseUrlValue, ['EXAI_PUSHGATEWAY_URL'], 'push Prometheus metrics to this Pushgateway'),
  spec('supabaseUrl', 'url', parseUrlValue, ['SUPABASE_URL'], 'Supabase project URL; set (with a key) to use the shared backend'),
  spec('supabaseAnonKey', 'secret', parseTextValue, ['SUPABASE_ANON_KEY', 'SUPABASE_PUBLISHABLE_KEY'], 'Supabase anon/publishable key'),
  spec('supabaseServiceRoleKey', 'secret', parseTextValue, ['SUPABASE_SERVICE_ROLE_KEY', 'SUPABASE_SECRET_KEY'], 'Supabase service-role key (gc / ls --all-users only)'),
  spec('accessToken', 'secret', parseTextValue, ['EXAI_ACCESS_TOKEN'], 'Supabase user access token (CI); else the `exai login` session'),
  spec('kimi.apiKey', 'secret', parseTextValue, ['MOONSHOT_API_KEY', 'KIMI_API_KEY'], 'Moonshot/Kimi API key'),
  spec('kimi.baseUrl', 'url', parseUrlValue, ['EXAI_KIMI_BASE_URL'], 'Moonshot/Kimi API base URL'),
  spec('glm.apiKey', 'secret', parseTextValue, ['ZAI_API_KEY', 'GLM_API_KEY', 'ZHIPUAI_API_KEY'], 'Z.ai/GLM API key'),
  spec('glm.baseUrl', 'url', parseUrlValue, ['EXAI_GLM_BASE_URL'], 'Z.ai/GLM API base URL'),
  spec('retry.maxAttempts', 'integer', integerParser(1, 20), [], 'attempts per request, including the first'),
  spec('retry.baseDelayMs', 'duration', ms(0), [], 'first retry back-off (a bare number is milliseconds)'),
  spec('retry.maxDelayMs', 'duration', ms(0), [], 'longest retry back-off (a bare number is milliseconds)'),
  spec('retry.maxRetryAfterMs', 'duration', ms(0), [], 'Retry-After values above this are clamped (a bare number is milliseconds)'),
  spec('retry.totalBudgetMs', 'duration', ms(0), [], 'the whole retry loop, the attempt in flight included, ends within this; an upload adds its size at http.minRate (a bare number is milliseconds)'),
  spec('breaker.failureThreshold', 'integer', integerParser(1, 1000), [], 'consecutive failures that open a provider circuit breaker'),
  spec('breaker.cooldownMs', 'duration', ms(0), [], 'how long an open breaker waits before a trial request'),
  spec('http.connectTimeoutMs', 'duration', ms(1), [], 'TCP/TLS connect timeout'),
  spec('http.headersTimeoutMs', 'duration', ms(1), [], 'time allowed for response headers'),
  spec('http.bodyTimeoutMs', 'duration', ms(1), [], 'time allowed between response body chunks'),
  spec('http.requestDeadline', 'duration', durationParser('s', 100), ['EXAI_REQUEST_DEADLINE'], "every request's total deadline before its body's share (5m; a bare number is seconds)", 'http.requestDeadlineMs'),
  spec('http.minRate', 'size', minRateParser, ['EXAI_MIN_RATE'], 'slowest upload rate tolerated, per second (32KiB): a body adds its size / this rate to the deadline and retry budget', 'http.minRateBytesPerSec'),
];

/** Directory keys: shown by `exai config list`, set only through the environment. */
export const DIR_KEYS = [
  { key: 'dirs.config', env: 'EXAI_CONFIG_DIR', description: 'config dir (config.json); default $XDG_CONFIG_HOME/exai' },
  { key: 'dirs.data', env: 'EXAI_DATA_DIR', description: 'data dir (catalog, local blobs); default $XDG_DATA_HOME/exai' },
  { key: 'dirs.state', env: 'EXAI_STATE_DIR', description: 'state dir (locks, caches, breakers); default $XDG_STATE_HOME/exai' },
] as const;

/** Find a key by its name or its Config field path ("lockTimeout" or "lockTimeoutMs"). */
export function findConfigKey(name: string): ConfigKeySpec | undefined {
  return CONFIG_KEYS.find((entry) => entry.key === name) ?? CONFIG_KEYS.find((entry) => entry.field === name);
}

/** Every key name, for "valid keys are …" messages. */
export function listConfigKeyNames(): string[] {
  return CONFIG_KEYS.map((entry) => entry.key);
}
