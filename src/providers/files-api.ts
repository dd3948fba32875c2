/**
 * What Kimi and GLM share: an OpenAI-shaped files API (`POST/GET {base}/files`,
 * `DELETE {base}/files/{id}`) with Bearer auth. One attempt per call; retries are the caller's.
 */
import type { Dispatcher } from 'undici';
import { DEFAULT_HTTP } from '../core/config/defaults.js';
import type { HttpConfig, ProviderName } from '../core/config/types.js';
import { transferAllowanceMs } from '../core/resilience.js';
import { ExaiError, isExaiError } from '../core/errors.js';
import type { HttpResponse } from '../core/http-response.js';
import { clipText, redactSecrets } from '../core/redact.js';
import { badResponse, parseJsonBody, toProviderError, type ProviderErrorBody } from './provider-errors.js';
import { checkSizeLimit } from './purposes.js';
import { CLOCK_SKEW_SECONDS, findStoredCopy } from './stored-copy.js';
import type { DeleteResult, ListOptions, Provider, PurposeLimit, RemoteFile, UploadRequest } from './types.js';

/** What a Kimi or GLM provider is built from: never process.env. */
export interface FilesApiOptions {
  apiKey: string | undefined;
  baseUrl: string;
  /** The shared Agent, or a function that creates it on first use (so a dedup hit never loads undici). */
  dispatcher: Dispatcher | (() => Dispatcher | Promise<Dispatcher>);
  /** Every request's deadline (config http); default DEFAULT_HTTP's. */
  deadline?: Pick<HttpConfig, 'requestDeadlineMs' | 'minRateBytesPerSec'> | undefined;
}

/** The parts of a file API that differ between providers. */
export abstract class FilesApiProvider implements Provider {
  abstract readonly name: Exclude<ProviderName, 'local'>;
  abstract readonly purposes: Readonly<Record<string, PurposeLimit>>;
  abstract readonly defaultPurpose: string;
  /** The env var that holds the key, for messages. */
  protected abstract readonly keyEnv: string;
  private readonly baseUrl: string;
  private dispatcherValue: Promise<Dispatcher> | undefined;

  constructor(private readonly options: FilesApiOptions) {
    this.baseUrl = options.baseUrl.replace(/\/+$/, '');
  }

  abstract list(options?: ListOptions): Promise<RemoteFile[]>;
  /** True for the 429 bodies that mean "no balance/quota left" rather than "slow down". */
  protected abstract isQuotaExhausted(body: ProviderErrorBody): boolean;

  isConfigured(): boolean {
    return this.options.apiKey !== undefined && this.options.apiKey !== '';
  }

  async upload(request: UploadRequest): Promise<RemoteFile> {
    checkSizeLimit(this, request.purpose, request.body.size);
    const headers = this.authHeaders();
    // Loaded on first use: undici and form-data cost ~140 ms to import, a catalog hit needs neither.
    const [{ sendRequest }, { buildMultipartBody }] = await Promise.all([import('../core/http.js'), import('./multipart.js')]);
    // Opened per call: a retried upload re-opens and re-verifies the file.
    const multipart = await buildMultipartBody(request);
    const action = `upload ${request.body.filename}`;
    const sentAfter = Math.floor(Date.now() / 1000) - CLOCK_SKEW_SECONDS;
    try {
      const res = await sendRequest({
        dispatcher: await this.dispatcher(),
        service: this.name,
        method: 'POST',
        url: `${this.baseUrl}/files`,
        headers: { ...headers, ...multipart.headers },
        body: multipart.body,
        signal: request.signal,
        deadlineMs: this.deadlineMs(Number(multipart.headers['content-length'])),
      });
      if (!isSuccess(res)) throw this.errorFor(res, action);
      return await this.readUploadAnswer(res, request, action, sentAfter);
    } finally {
      await multipart.dispose();
    }
  }

  /**
   * The file a 2xx answer to an upload describes. When the body can't be read, the provider
   * most likely stored the file anyway, and sending it again would leave a duplicate there
   * (Kimi caps an account at 1000 files). So the listing decides: exactly one file with this
   * name, size and purpose created since the request went out (less CLOCK_SKEW_SECONDS) is
   * this upload. None: it did not land, and the error stays retryable. Several, or no
   * listing: which one is ours can't be told, so nothing more is sent and the error says so.
   */
  private async readUploadAnswer(res: HttpResponse, request: UploadRequest, action: string, sentAfter: number): Promise<RemoteFile> {
    try {
      return this.toRemoteFile(parseJsonBody(res, this.name, action), action, res.status);
    } catch (unreadable) {
      if (isExaiError(unreadable) && !unreadable.retryable) throw unreadable;
      const { filename, size } = request.body;
      const copy = await findStoredCopy(this, { filename, size, purpose: request.purpose, sentAfter, signal: request.signal });
      if (copy.kind === 'one') return copy.file;
      if (copy.kind === 'none') throw unreadable;
      throw this.unresolvedUpload(res.status, action, copy.kind === 'many' ? copy.ids : undefined);
    }
  }

  private unresolvedUpload(status: number, action: string, candidates: string[] | undefined): ExaiError {
    const why = candidates === undefined ? 'its file list could not be read either' : `it lists ${candidates.length} files that could be this one (${candidates.join(', ')})`;
    return new ExaiError('PROVIDER_BAD_RESPONSE', `${this.name} sent an unreadable answer to ${action} (HTTP ${status}) and ${why}; not sending it again`, {
      status,
      retryable: false,
      hint: `the file may be stored at ${this.name} already: check its file list and delete any extra copy before uploading again`,
      details: { provider: this.name, http_status: status, ...(candidates === undefined ? {} : { candidates }) },
    });
  }

  async delete(fileId: string, signal?: AbortSignal): Promise<DeleteResult> {
    const action = `delete ${fileId}`;
    const res = await this.send('DELETE', `/files/${encodeURIComponent(fileId)}`, action, signal);
    if (res.status === 404) return { alreadyGone: true };
    if (!isSuccess(res)) throw this.errorFor(res, action);
    return { alreadyGone: false };
  }

  /** The extracted text of a file; each provider reads the body its own way (extractContent). */
  async content(fileId: string, signal?: AbortSignal): Promise<string> {
    const action = `read the content of ${fileId}`;
    const res = await this.send('GET', `/files/${encodeURIComponent(fileId)}/content`, action, signal);
    if (!isSuccess(res)) throw this.errorFor(res, action);
    return this.extractContent(res.text);
  }

  /** The text inside a content body; by default the body is the text. */
  protected extractContent(body: string): string {
    return body;
  }

  /** GET a JSON document below the base URL. */
  protected async getJson(pathAndQuery: string, action: string, signal?: AbortSignal): Promise<Record<string, unknown>> {
    const res = await this.send('GET', pathAndQuery, action, signal);
    if (!isSuccess(res)) throw this.errorFor(res, action);
    return parseJsonBody(res, this.name, action);
  }

  /** Map a `data[]` array of file objects, rejecting a body that has none. */
  protected toRemoteFiles(body: Record<string, unknown>, action: string): RemoteFile[] {
    if (!Array.isArray(body.data)) throw badResponse(this.name, action, 200);
    const files: RemoteFile[] = [];
    for (const item of body.data as unknown[]) {
      // One odd entry should not hide the rest of the listing.
      const file = readFileObject(item);
      if (file !== undefined) files.push(file);
    }
    return files;
  }

  private toRemoteFile(body: Record<string, unknown>, action: string, status: number): RemoteFile {
    if (typeof body.id === 'string' && body.id !== '' && !this.isStorableId(body.id)) throw this.oddFileId(body.id, action, status);
    const file = readFileObject(body);
    if (file === undefined) throw badResponse(this.name, action, status);
    return file;
  }

  // Plain printable ASCII, and not carrying the key back (a hostile server could echo it
  // there, and the id is stored in the catalog and printed).
  private isStorableId(id: string): boolean {
    return isPlainFileId(id) && redactSecrets(id, [this.options.apiKey]) === id;
  }

  // The file is likely stored, but an id with control or bidi characters would be printed,
  // stored and later sent back in a URL: refuse it rather than carry it anywhere.
  private oddFileId(id: string, action: string, status: number): ExaiError {
    const shown = JSON.stringify(clipText(redactSecrets(id, [this.options.apiKey]), 80));
    return new ExaiError('PROVIDER_BAD_RESPONSE', `${this.name} answered ${action} with a file id that is not plain printable ASCII or that repeats the API key (${shown}); not storing it`, {
      status,
      retryable: false,
      hint: `the file may be stored at ${this.name}: check its file list and delete the copy by hand`,
      details: { provider: this.name, http_status: status },
    });
  }

  private async send(method: 'GET' | 'DELETE', pathAndQuery: string, action: string, signal?: AbortSignal): Promise<HttpResponse> {
    const { sendRequest } = await import('../core/http.js');
    return sendRequest({
      dispatcher: await this.dispatcher(),
      service: this.name,
      method,
      url: `${this.baseUrl}${pathAndQuery}`,
      headers: this.authHeaders(),
      signal,
      deadlineMs: this.deadlineMs(0),
    });
  }

  /** The base deadline, plus the time `bodyBytes` take at the slowest rate tolerated. */
  private deadlineMs(bodyBytes: number): number {
    const { requestDeadlineMs, minRateBytesPerSec } = this.options.deadline ?? DEFAULT_HTTP;
    return requestDeadlineMs + transferAllowanceMs(bodyBytes, minRateBytesPerSec);
  }

  private authHeaders(): Record<string, string> {
    const key = this.options.apiKey;
    if (key === undefined || key === '') {
      throw new ExaiError('PROVIDER_AUTH_FAILED', `${this.name}: no API key: set ${this.keyEnv}`, { hint: `export ${this.keyEnv}=…` });
    }
    return { authorization: `Bearer ${key}`, accept: 'application/json' };
  }

  private errorFor(res: HttpResponse, action: string): ExaiError {
    return toProviderError(res, {
      provider: this.name,
      action,
      secrets: [this.options.apiKey],
      keyEnv: this.keyEnv,
      isQuotaExhausted: (body) => this.isQuotaExhausted(body),
    });
  }

  private dispatcher(): Promise<Dispatcher> {
    const d = this.options.dispatcher;
    return (this.dispatcherValue ??= Promise.resolve(typeof d === 'function' ? d() : d));
  }
}

function isSuccess(res: HttpResponse): boolean {
  return res.status >= 200 && res.status < 300;
}

/** A file id fit to store, print and put in a URL: 1-256 printable ASCII characters, no space. */
export function isPlainFileId(id: string): boolean {
  return /^[\x21-\x7e]{1,256}$/.test(id);
}

/** Read one provider file object defensively; undefined when it has no usable id. */
export function readFileObject(value: unknown): RemoteFile | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const v = value as Record<string, unknown>;
  if (typeof v.id !== 'string' || !isPlainFileId(v.id)) return undefined;
  const num = (x: unknown): number => (typeof x === 'number' && Number.isFinite(x) ? x : 0);
  return {
    id: v.id,
    bytes: num(v.bytes),
    filename: typeof v.filename === 'string' ? v.filename : '',
    purpose: typeof v.purpose === 'string' ? v.purpose : '',
    createdAt: num(v.created_at),
    ...(typeof v.status === 'string' ? { status: v.status } : {}),
  };
}
