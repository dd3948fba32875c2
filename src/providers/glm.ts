/** Zhipu / Z.ai GLM files API (facts/providers.md §2). */
import type { ProviderErrorBody } from './provider-errors.js';
import { FilesApiProvider } from './files-api.js';
import { MB } from './purposes.js';
import type { ListOptions, PurposeLimit, RemoteFile } from './types.js';

const GLM_SOURCE = 'docs.bigmodel.cn OpenAPI for POST /paas/v4/files (MB taken as MiB)';

/**
 * Per-purpose limits from the bigmodel OpenAPI. Images are capped at 5 MB within these
 * purposes; that depends on the file type and is left to the server.
 */
export const GLM_PURPOSES: Readonly<Record<string, PurposeLimit>> = Object.freeze({
  'file-extract': { maxBytes: 50 * MB, source: GLM_SOURCE },
  batch: { maxBytes: 100 * MB, source: GLM_SOURCE },
  agent: { maxBytes: 20 * MB, source: `${GLM_SOURCE}; docs.z.ai agents page says 100 MB (conflict, smaller kept)` },
  'code-interpreter': { maxBytes: 20 * MB, source: GLM_SOURCE },
});

/** GLM business codes that no wait fixes: 1113 account in arrears, 1308 usage limit reached. */
const QUOTA_CODES = new Set(['1113', '1308']);

/** Never follow more pages than this: a server that always says has_more must not loop us. */
const MAX_PAGES = 1000;
const PAGE_SIZE = 100;

/** The GLM provider: `{apiKey, baseUrl, dispatcher}` from config, one attempt per call. */
export class GlmProvider extends FilesApiProvider {
  readonly name = 'glm' as const;
  readonly purposes = GLM_PURPOSES;
  readonly defaultPurpose = 'file-extract';
  protected readonly keyEnv = 'ZAI_API_KEY';

  /** `GET {base}/files?purpose=&limit=&after=`, following `has_more` page by page. */
  async list(options: ListOptions = {}): Promise<RemoteFile[]> {
    const files: RemoteFile[] = [];
    let after: string | undefined;
    for (let page = 0; page < MAX_PAGES; page++) {
      const remaining = options.limit === undefined ? PAGE_SIZE : options.limit - files.length;
      if (remaining <= 0) break;
      const query = new URLSearchParams();
      if (options.purpose !== undefined) query.set('purpose', options.purpose);
      query.set('limit', String(Math.min(PAGE_SIZE, remaining)));
      if (after !== undefined) query.set('after', after);
      const body = await this.getJson(`/files?${query.toString()}`, 'list files', options.signal);
      const batch = this.toRemoteFiles(body, 'list files');
      files.push(...batch);
      const last = batch.at(-1);
      if (body.has_more !== true || last === undefined) break;
      after = last.id;
    }
    return options.limit === undefined ? files : files.slice(0, options.limit);
  }

  protected isQuotaExhausted(body: ProviderErrorBody): boolean {
    return body.code !== undefined && QUOTA_CODES.has(body.code);
  }
}
