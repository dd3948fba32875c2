/** Moonshot / Kimi files API (facts/providers.md §1). */
import type { ProviderErrorBody } from './provider-errors.js';
import { FilesApiProvider } from './files-api.js';
import { MB } from './purposes.js';
import type { ListOptions, PurposeLimit, RemoteFile } from './types.js';

const KIMI_LIMIT_SOURCE = 'platform.kimi.ai/docs/api/files-upload: "100MB" per file, taken as 100 MiB';

/**
 * Purposes from the OpenAPI enum on platform.kimi.ai/docs/api/files-upload.md (newer than the
 * errors page that still says only file-extract). No per-purpose limits are documented, so
 * each gets the general 100 MB.
 */
export const KIMI_PURPOSES: Readonly<Record<string, PurposeLimit>> = Object.freeze({
  'file-extract': { maxBytes: 100 * MB, source: KIMI_LIMIT_SOURCE },
  image: { maxBytes: 100 * MB, source: KIMI_LIMIT_SOURCE },
  video: { maxBytes: 100 * MB, source: KIMI_LIMIT_SOURCE },
  batch: { maxBytes: 100 * MB, source: `${KIMI_LIMIT_SOURCE}; batch-create.md: JSONL at most 100 MB` },
});

/** The Kimi provider: `{apiKey, baseUrl, dispatcher}` from config, one attempt per call. */
export class KimiProvider extends FilesApiProvider {
  readonly name = 'kimi' as const;
  readonly purposes = KIMI_PURPOSES;
  readonly defaultPurpose = 'file-extract';
  protected readonly keyEnv = 'MOONSHOT_API_KEY';

  /** `GET {base}/files` → `{data: [...]}`; no pagination is documented, so filter and cut here. */
  async list(options: ListOptions = {}): Promise<RemoteFile[]> {
    const body = await this.getJson('/files', 'list files', options.signal);
    const files = this.toRemoteFiles(body, 'list files').filter((f) => options.purpose === undefined || f.purpose === options.purpose);
    return options.limit === undefined ? files : files.slice(0, options.limit);
  }

  /**
   * Kimi's /content body is undocumented JSON text in practice (`{"content": "…", "file_type",
   * "filename", …}`, facts/providers.md §1): take `content` when the body is such an object,
   * else the body itself is the text.
   */
  protected override extractContent(body: string): string {
    return kimiContentText(body);
  }

  /** exceeded_current_quota_error: balance, suspension or token quota; the docs say do not retry. */
  protected isQuotaExhausted(body: ProviderErrorBody): boolean {
    return body.type === 'exceeded_current_quota_error' || body.code === 'exceeded_current_quota_error';
  }
}

/** The text in a Kimi /content body, read defensively: a JSON object's string `content`, else the body. */
export function kimiContentText(body: string): string {
  const trimmed = body.trimStart();
  if (!trimmed.startsWith('{')) return body;
  try {
    const parsed = JSON.parse(trimmed) as unknown;
    if (typeof parsed === 'object' && parsed !== null && typeof (parsed as { content?: unknown }).content === 'string') {
      return (parsed as { content: string }).content;
    }
  } catch {
    // Not JSON after all: a text that starts with a brace.
  }
  return body;
}
