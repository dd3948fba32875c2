/** Typed defaults for every Config field (DESIGN.md §7): the bottom layer of the loader. */
import type { Config, Dirs } from './types.js';

// The rule module owns these lists; config only uses them as defaults.
import { DEFAULT_ALLOWED_MIME_TYPES, DEFAULT_BLOCKED_EXTENSIONS } from '../validate/defaults.js';

export { DEFAULT_ALLOWED_MIME_TYPES, DEFAULT_BLOCKED_EXTENSIONS };

const MIB = 1024 * 1024;
const GIB = 1024 * MIB;

/** The HTTP timeouts and deadline when nothing overrides them (providers built without a config use these too). */
export const DEFAULT_HTTP = Object.freeze({
  connectTimeoutMs: 10_000,
  headersTimeoutMs: 300_000,
  bodyTimeoutMs: 300_000,
  // The deadline's base matches headersTimeout: a provider may read a file before it answers.
  requestDeadlineMs: 300_000,
  // 32 KiB/s: a 100 MB file may take 50 minutes; a trickle of a byte a second may not.
  minRateBytesPerSec: 32 * 1024,
});

/** The defaults for everything except allowedPaths (the loader's cwd) and dirs (resolveDirs). */
/** retry.* when the config does not say. */
export const DEFAULT_RETRY = Object.freeze({ maxAttempts: 4, baseDelayMs: 500, maxDelayMs: 8000, maxRetryAfterMs: 60_000, totalBudgetMs: 120_000 });

export function createDefaultConfig(input: { allowedPaths: string[]; dirs: Dirs }): Config {
  return {
    allowedPaths: [...input.allowedPaths],
    allowExternalPaths: false,
    allowHardlinks: false,
    maxFileSize: 512 * MIB,
    allowedMimeTypes: [...DEFAULT_ALLOWED_MIME_TYPES],
    blockedMimeTypes: [],
    blockedExtensions: [...DEFAULT_BLOCKED_EXTENSIONS],
    maxUnpackedSize: GIB,
    allowActiveContent: false,
    provider: undefined,
    purpose: undefined,
    retentionDays: 30,
    gcIntervalMs: 24 * 60 * 60_000,
    lockTimeoutMs: 5 * 60_000,
    leaseMs: 60_000,
    concurrency: 4,
    quotaBytes: 10 * GIB,
    metricsFile: undefined,
    pushgatewayUrl: undefined,
    supabaseUrl: undefined,
    supabaseAnonKey: undefined,
    supabaseServiceRoleKey: undefined,
    accessToken: undefined,
    kimi: { apiKey: undefined, baseUrl: 'https://api.moonshot.ai/v1' },
    glm: { apiKey: undefined, baseUrl: 'https://api.z.ai/api/paas/v4' },
    dirs: { ...input.dirs },
    retry: { ...DEFAULT_RETRY },
    breaker: { failureThreshold: 5, cooldownMs: 60_000 },
    http: { ...DEFAULT_HTTP },
  };
}
