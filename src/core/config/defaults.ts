/** Typed defaults for every Config field (DESIGN.md §7): the bottom layer of the loader. */
import type { Config, Dirs } from './types.js';

// TODO(integrator): import from validate — src/core/validate/ will export the canonical list;
// these mirror facts/providers.md §1.6 and §2 (documents, images, text, code, jsonl).
/** MIME types accepted when nothing is configured. */
export const DEFAULT_ALLOWED_MIME_TYPES: readonly string[] = [
  'application/pdf',
  'application/msword',
  'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
  'application/vnd.ms-excel',
  'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
  'application/vnd.ms-powerpoint',
  'application/vnd.openxmlformats-officedocument.presentationml.presentation',
  'application/epub+zip',
  'application/json',
  'application/jsonl',
  'application/x-ndjson',
  'text/plain',
  'text/markdown',
  'text/csv',
  'image/png',
  'image/jpeg',
  'image/gif',
  'image/webp',
  'image/bmp',
  'image/tiff',
  'image/avif',
];

// TODO(integrator): import from validate (see above).
/** Extensions refused regardless of content: executables, scripts, installers. */
export const DEFAULT_BLOCKED_EXTENSIONS: readonly string[] = [
  '.exe', '.bat', '.cmd', '.com', '.sh', '.ps1', '.msi', '.dll', '.scr', '.jar',
  '.vbs', '.vbe', '.wsf', '.wsh', '.hta', '.cpl', '.msc', '.pif', '.reg',
  '.app', '.apk', '.dmg', '.pkg', '.deb', '.rpm', '.so', '.dylib', '.lnk',
];

const MIB = 1024 * 1024;
const GIB = 1024 * MIB;

/** The defaults for everything except allowedPaths (the loader's cwd) and dirs (resolveDirs). */
export function createDefaultConfig(input: { allowedPaths: string[]; dirs: Dirs }): Config {
  return {
    allowedPaths: [...input.allowedPaths],
    allowExternalPaths: false,
    allowHardlinks: false,
    maxFileSize: 512 * MIB,
    allowedMimeTypes: [...DEFAULT_ALLOWED_MIME_TYPES],
    blockedExtensions: [...DEFAULT_BLOCKED_EXTENSIONS],
    allowActiveContent: false,
    provider: undefined,
    purpose: undefined,
    retentionDays: 30,
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
    retry: { maxAttempts: 4, baseDelayMs: 500, maxDelayMs: 8000, maxRetryAfterMs: 60_000, totalBudgetMs: 120_000 },
    breaker: { failureThreshold: 5, cooldownMs: 60_000 },
    http: { connectTimeoutMs: 10_000, headersTimeoutMs: 300_000, bodyTimeoutMs: 300_000 },
  };
}
