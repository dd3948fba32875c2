/**
 * The step after an upload for `file-extract`: the text the provider extracted. Cached in
 * the data dir by (provider, file id), so a second read of the same file costs no request —
 * a provider file's content never changes under the same id.
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, open, readFile, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import type { FileRecord } from '../../catalog/types.js';
import { ExaiError } from '../errors.js';
import type { Runtime } from '../runtime.js';
import type { ContentJson } from './results.js';

/** The extracted content of the file `ref` names (file id, catalog id, sha256 prefix or path). */
export async function getContent(rt: Runtime, ref: string): Promise<ContentJson> {
  const record = await pickRecord(rt, ref);
  const fileId = record.providerFileId!;
  const cacheFile = contentCachePath(rt.config.dirs.data, record.provider, fileId);
  const cached = await readFile(cacheFile, 'utf8').catch(() => undefined);
  if (cached !== undefined) return toJson(record, cached, true);
  const provider = (await rt.providers()).get(record.provider);
  if (provider.content === undefined) {
    throw new ExaiError('CONTENT_UNAVAILABLE', `${record.provider} has no content endpoint`);
  }
  const { withRetry } = await import('../resilience.js');
  const text = await withRetry((_attempt, signal) => provider.content!(fileId, signal), { retry: rt.config.retry, clock: rt.clock, signal: rt.signal });
  await writeCache(cacheFile, text);
  return toJson(record, text, false);
}

/** Where the content of one provider file is cached. */
export function contentCachePath(dataDir: string, provider: string, fileId: string): string {
  const name = createHash('sha256').update(fileId).digest('hex');
  return path.join(dataDir, 'content', provider, `${name}.txt`);
}

/** An active row for the ref; content of the same bytes on several providers prefers file-extract, then the newest. */
async function pickRecord(rt: Runtime, ref: string): Promise<FileRecord> {
  const { resolveRefs } = await import('../remove/resolve.js');
  const catalog = await rt.catalog();
  const [resolution] = await resolveRefs([ref], { catalog, config: rt.config, userId: rt.userId, cwd: rt.cwd });
  if (resolution === undefined) throw new ExaiError('NOT_IN_CATALOG', `nothing in the catalog matches "${ref}"`);
  if ('error' in resolution) throw resolution.error;
  const active = resolution.records.filter((r) => r.status === 'active' && r.providerFileId !== null);
  if (active.length === 0) {
    throw new ExaiError('NOT_IN_CATALOG', `"${ref}" names no active upload`, { hint: 'upload it first (`exai upload`), then read its content' });
  }
  const rank = (r: FileRecord) => (r.purpose === 'file-extract' ? 1 : 0);
  return [...active].sort((a, b) => rank(b) - rank(a) || b.createdAt - a.createdAt)[0]!;
}

async function writeCache(file: string, text: string): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
  const temp = `${file}.${randomBytes(6).toString('hex')}.tmp`;
  const handle = await open(temp, 'wx', 0o600);
  try {
    await handle.writeFile(text, 'utf8');
  } finally {
    await handle.close();
  }
  await rename(temp, file).catch(async (error: unknown) => {
    await rm(temp, { force: true });
    throw error;
  });
}

function toJson(record: FileRecord, content: string, cached: boolean): ContentJson {
  return { provider: record.provider, file_id: record.providerFileId!, name: record.originalName, content, cached };
}
