/**
 * The `local` provider: a content-addressed folder `<dataDir>/blobs/<sha256>` plus a JSON
 * sidecar per file id, so exai works end to end with no API key at all (DESIGN §3).
 *
 * A file is content *and* purpose, as at Kimi or GLM: the same bytes uploaded for two
 * purposes are two files with two ids, and share one blob. Deleting one leaves the blob for
 * the other; the blob goes with the last sidecar that names it.
 */
import { isUtf8 } from 'node:buffer';
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, open, readdir, readFile, rename, rm, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { ExaiError, isExaiError } from '../core/errors.js';
import { GLM_PURPOSES } from './glm.js';
import { KIMI_PURPOSES } from './kimi.js';
import { checkSizeLimit } from './purposes.js';
import type { DeleteResult, ListOptions, Provider, PurposeLimit, RemoteFile, UploadRequest } from './types.js';

export interface LocalProviderOptions {
  /** The data dir; blobs go to `<dataDir>/blobs`. */
  dataDir: string;
  /** Largest file accepted (config maxFileSize). */
  maxBytes: number;
  now?: () => number;
}

interface Sidecar {
  id: string;
  sha256: string;
  filename: string;
  purpose: string;
  bytes: number;
  created_at: number;
}

const ID_PATTERN = /^local-[0-9a-f]{24}$/;

/** The largest text `content()` hands back whole (Kimi and GLM bodies are read up to 4 MiB too). */
const LOCAL_CONTENT_MAX_BYTES = 4 * 1024 * 1024;

/**
 * The purposes the real providers take, so that a run against `local` (no key yet) refuses
 * exactly what a run with a key would refuse: `--purpose bogus` fails now, not on day two.
 */
export const LOCAL_PURPOSES: readonly string[] = [...new Set([...Object.keys(KIMI_PURPOSES), ...Object.keys(GLM_PURPOSES)])];

/**
 * The id of a local file: `local-` and 24 hex digits of SHA-256(content SHA-256, purpose).
 * (Ids made before purposes counted were the content hash's first 24 digits; they still work.)
 */
export function localFileId(sha256: string, purpose: string): string {
  return `local-${createHash('sha256').update(`${sha256}\n${purpose}`).digest('hex').slice(0, 24)}`;
}

/** Files kept in a folder on this machine. Same content and purpose → same id (idempotent). */
export class LocalProvider implements Provider {
  readonly name = 'local' as const;
  readonly purposes: Readonly<Record<string, PurposeLimit>>;
  readonly defaultPurpose = 'file-extract';
  private readonly dir: string;
  private readonly now: () => number;

  constructor(options: LocalProviderOptions) {
    this.dir = path.join(options.dataDir, 'blobs');
    const limit = { maxBytes: options.maxBytes, source: 'config maxFileSize (local keeps any size up to it)' };
    this.purposes = Object.freeze(Object.fromEntries(LOCAL_PURPOSES.map((p) => [p, limit])));
    this.now = options.now ?? Date.now;
  }

  isConfigured(): boolean {
    return true;
  }

  async upload(request: UploadRequest): Promise<RemoteFile> {
    checkSizeLimit(this, request.purpose, request.body.size);
    await mkdir(this.dir, { recursive: true, mode: 0o700 });
    const temp = path.join(this.dir, `.upload-${randomBytes(8).toString('hex')}.tmp`);
    try {
      const sha256 = await this.writeVerified(request, temp);
      // Sidecar first: a delete of another file with this content keeps the blob while any
      // sidecar names it, so it can never remove the blob between our rename and our sidecar.
      const sidecar = await this.writeSidecar(request, sha256);
      await rename(temp, path.join(this.dir, sha256));
      await syncDir(this.dir);
      return toRemoteFile(sidecar);
    } catch (error) {
      await rm(temp, { force: true });
      throw toStoreError(error, this.dir);
    }
  }

  async list(options: ListOptions = {}): Promise<RemoteFile[]> {
    const files = (await this.sidecars()).filter((s) => options.purpose === undefined || s.purpose === options.purpose).map(toRemoteFile);
    return options.limit === undefined ? files : files.slice(0, options.limit);
  }

  /**
   * Remove the sidecar, then the blob unless another sidecar still names it. The scan and the
   * blob delete are not atomic against an upload of the same content (it writes its sidecar,
   * then renames its blob into place), so callers hold the content lock an upload of that
   * hash takes: core/remove/remove-file.ts, the one deletion path, does.
   */
  async delete(fileId: string): Promise<DeleteResult> {
    if (!ID_PATTERN.test(fileId)) {
      throw new ExaiError('PROVIDER_REJECTED', `local: "${fileId}" is not a local file id`);
    }
    const sidecar = await this.readSidecar(fileId);
    await rm(this.sidecarPath(fileId), { force: true });
    const blobs = sidecar ? [sidecar.sha256] : await this.legacyBlobsOf(fileId);
    const stillNamed = new Set((await this.sidecars()).map((other) => other.sha256));
    const orphans = blobs.filter((sha) => !stillNamed.has(sha));
    for (const blob of orphans) await rm(path.join(this.dir, blob), { force: true });
    return { alreadyGone: sidecar === undefined && orphans.length === 0 };
  }

  /**
   * A text file's content as it is: the local store extracts nothing, so a binary file (not
   * UTF-8, or holding a NUL) is refused rather than handed over as garbage.
   */
  async content(fileId: string): Promise<string> {
    const sidecar = ID_PATTERN.test(fileId) ? await this.readSidecar(fileId) : undefined;
    if (sidecar === undefined || !/^[0-9a-f]{64}$/.test(sidecar.sha256)) {
      throw new ExaiError('PROVIDER_NOT_FOUND', `local: no file ${fileId}`, { hint: 'see `exai ls` for the files the local store holds' });
    }
    if (sidecar.bytes > LOCAL_CONTENT_MAX_BYTES) {
      throw new ExaiError('CONTENT_UNAVAILABLE', `local: ${sidecar.filename} is ${sidecar.bytes} bytes, more than the ${LOCAL_CONTENT_MAX_BYTES} a content read returns`);
    }
    const bytes = await readFile(path.join(this.dir, sidecar.sha256));
    if (bytes.includes(0) || !isUtf8(bytes)) {
      throw new ExaiError('CONTENT_UNAVAILABLE', `local: ${sidecar.filename} is not a text file; the local provider extracts no text from binary files`, {
        hint: 'upload it to kimi or glm with --purpose file-extract to get its text extracted',
      });
    }
    return bytes.toString('utf8');
  }

  /** Every readable sidecar in the folder. */
  private async sidecars(): Promise<Sidecar[]> {
    const names = await readdir(this.dir).catch(() => [] as string[]);
    const found: Sidecar[] = [];
    for (const name of names.filter((n) => n.endsWith('.json') && ID_PATTERN.test(n.slice(0, -'.json'.length))).sort()) {
      const sidecar = await this.readSidecar(name.slice(0, -'.json'.length));
      if (sidecar !== undefined) found.push(sidecar);
    }
    return found;
  }

  /** Blobs an id without a sidecar may still stand for: old ids were a content-hash prefix. */
  private async legacyBlobsOf(fileId: string): Promise<string[]> {
    const prefix = fileId.slice('local-'.length);
    const names = await readdir(this.dir).catch(() => [] as string[]);
    return names.filter((n) => n.startsWith(prefix) && /^[0-9a-f]{64}$/.test(n));
  }

  /** Stream the body to `temp`, fsync it, and prove it is the content that was validated. */
  private async writeVerified(request: UploadRequest, temp: string): Promise<string> {
    // A body that hashes what it reads (core/upload/body.ts, every attempt) already computes
    // it over these very chunks: a second pass would only cost time (~0.3 s per 500 MB).
    const bodyHashes = request.body.completedSha256 !== undefined;
    const hash = bodyHashes ? undefined : createHash('sha256');
    let written = 0;
    const source = await request.body.open();
    try {
      const handle = await open(temp, 'wx', 0o600);
      try {
        // Each chunk is written out before the next is asked for: the reader reuses its buffers.
        for await (const chunk of source) {
          if (request.signal?.aborted) throw abortError(request.signal);
          hash?.update(chunk);
          written += chunk.length;
          await writeAll(handle, chunk);
          request.onProgress?.(written);
        }
        await handle.sync();
      } finally {
        await handle.close();
      }
    } finally {
      await source.close();
    }
    const sha256 = hash ? hash.digest('hex') : request.body.completedSha256?.();
    if (sha256 === undefined) throw new ExaiError('INTERNAL', `local: the body of ${request.body.filename} ended without its hash`);
    const hashDiffers = request.sha256 !== undefined && sha256 !== request.sha256;
    if (hashDiffers || written !== request.body.size) {
      throw new ExaiError('FILE_CHANGED', `the file changed after it was checked (${written} bytes written, SHA-256 ${sha256.slice(0, 12)}…, expected ${request.body.size} bytes${request.sha256 ? ` and ${request.sha256.slice(0, 12)}…` : ''})`, {
        hint: 'make sure nothing writes to the file during the upload, then try again',
      });
    }
    return sha256;
  }

  private async writeSidecar(request: UploadRequest, sha256: string): Promise<Sidecar> {
    const id = localFileId(sha256, request.purpose);
    const existing = await this.readSidecar(id);
    const sidecar: Sidecar = {
      id,
      sha256,
      filename: request.body.filename,
      purpose: request.purpose,
      bytes: request.body.size,
      // Same content again: keep the first upload time, the blob is the same one.
      created_at: existing?.created_at ?? Math.floor(this.now() / 1000),
    };
    const temp = path.join(this.dir, `.${id}.${randomBytes(4).toString('hex')}.tmp`);
    const handle = await open(temp, 'wx', 0o600);
    try {
      await handle.writeFile(`${JSON.stringify(sidecar, null, 2)}\n`);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temp, this.sidecarPath(id));
    return sidecar;
  }

  private async readSidecar(id: string): Promise<Sidecar | undefined> {
    try {
      const parsed = JSON.parse(await readFile(this.sidecarPath(id), 'utf8')) as Partial<Sidecar>;
      if (typeof parsed.sha256 !== 'string' || typeof parsed.bytes !== 'number') return undefined;
      return { id, sha256: parsed.sha256, filename: String(parsed.filename ?? ''), purpose: String(parsed.purpose ?? ''), bytes: parsed.bytes, created_at: Number(parsed.created_at ?? 0) };
    } catch {
      return undefined;
    }
  }

  private sidecarPath(id: string): string {
    return path.join(this.dir, `${id}.json`);
  }
}

/** A write can take fewer bytes than offered (disk nearly full): keep going until all are down. */
async function writeAll(handle: FileHandle, chunk: Buffer): Promise<void> {
  let offset = 0;
  while (offset < chunk.length) {
    const { bytesWritten } = await handle.write(chunk, offset, chunk.length - offset);
    if (bytesWritten <= 0) throw new ExaiError('INTERNAL', 'the local store accepted no bytes for a write');
    offset += bytesWritten;
  }
}

/** A retry budget aborts with its own error (core/resilience.ts); anything else is the user. */
function abortError(signal: AbortSignal): ExaiError {
  return isExaiError(signal.reason) ? signal.reason : new ExaiError('INTERRUPTED', 'upload interrupted');
}

function toRemoteFile(s: Sidecar): RemoteFile {
  return { id: s.id, bytes: s.bytes, filename: s.filename, purpose: s.purpose, createdAt: s.created_at, status: 'ok' };
}

/** Make the renames durable; best effort (not every platform can fsync a directory). */
async function syncDir(dir: string): Promise<void> {
  try {
    const handle = await open(dir, 'r');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  } catch {
    // Durability is a bonus here; the content is already verified and in place.
  }
}

function toStoreError(error: unknown, dir: string): unknown {
  if (isExaiError(error)) return error;
  const code = (error as { code?: unknown }).code;
  return new ExaiError('PROVIDER_UNAVAILABLE', `local: could not store the file in ${dir}${typeof code === 'string' ? ` (${code})` : ''}`, {
    cause: error,
  });
}
