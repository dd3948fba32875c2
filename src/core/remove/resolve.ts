/**
 * Turning what the user typed after `exai rm` into catalog rows: a provider file id, a
 * catalog id, a sha256 prefix (≥ 6 hex), or a path whose content is hashed through the safe
 * read path (so `rm` can't be used to probe files outside the allowed roots).
 */
import { lstat } from 'node:fs/promises';
import path from 'node:path';
import { describeRecord } from '../../catalog/describe.js';
import type { Catalog, FileRecord } from '../../catalog/types.js';
import type { Config } from '../config/types.js';
import { ExaiError, isExaiError } from '../errors.js';
import { pathPolicyFor } from '../files/policy.js';

/** One ref after resolution: its rows, or why there are none. */
export type Resolution = { ref: string; records: FileRecord[] } | { ref: string; error: ExaiError };

export interface ResolveInput {
  catalog: Catalog;
  config: Config;
  userId: string;
  cwd: string;
}

/** Resolve every ref; a ref that fails does not stop the others. */
export async function resolveRefs(refs: readonly string[], input: ResolveInput): Promise<Resolution[]> {
  const out: Resolution[] = [];
  for (const ref of refs) {
    try {
      out.push({ ref, records: await resolveRef(ref, input) });
    } catch (error) {
      if (!isExaiError(error)) throw error;
      out.push({ ref, error });
    }
  }
  return out;
}

async function resolveRef(ref: string, input: ResolveInput): Promise<FileRecord[]> {
  if (looksLikePath(ref)) return pickRows(ref, await findByPath(ref, input), true);
  const rows = await input.catalog.findByRef(input.userId, ref);
  if (rows.length > 0) return pickRows(ref, rows, false);
  if (await exists(path.resolve(input.cwd, ref))) return pickRows(ref, await findByPath(ref, input), true);
  const stored = await findByStoredPath(ref, input);
  if (stored.length > 0) return pickRows(ref, stored, true);
  throw notFound(ref);
}

/**
 * An exact id match wins. Otherwise rows that all share one sha256 are the same content on
 * several providers or purposes, and removing "that file" means all of them; rows with
 * different content are ambiguous and need a longer prefix or a file id.
 */
function pickRows(ref: string, rows: FileRecord[], byPath: boolean): FileRecord[] {
  if (rows.length === 0) throw notFound(ref, byPath);
  const exact = rows.filter((r) => r.providerFileId === ref || r.id === ref);
  const chosen = exact.length > 0 ? exact : rows;
  const distinct = new Set(chosen.map((r) => (exact.length > 0 ? r.id : r.sha256)));
  if (distinct.size === 1) return chosen;
  // One line per candidate in details.lines: a name's own line break stays inside its line.
  const lines = [`"${ref}" matches ${chosen.length} files:`, ...chosen.map((r) => `  ${r.sha256.slice(0, 12)}  ${describeRecord(r)}`)];
  throw new ExaiError('AMBIGUOUS_REFERENCE', lines.join('\n'), {
    hint: 'use a provider file id or a longer sha256 prefix',
    details: { candidates: chosen.map((r) => ({ id: r.id, provider: r.provider, file_id: r.providerFileId, sha256: r.sha256 })), lines },
  });
}

function notFound(ref: string, byPath = false): ExaiError {
  const what = byPath ? `no uploaded file has the content of ${ref}` : `nothing in the catalog matches "${ref}"`;
  return new ExaiError('NOT_IN_CATALOG', what, { hint: 'see `exai ls` for file ids (a sha256 prefix needs at least 6 hex digits)' });
}

/**
 * A path means the file's content first (the same bytes uploaded from anywhere), then the path
 * it was uploaded from (uploads store it absolute): so a file that was moved, edited or
 * deleted since can still be named by where it was.
 */
async function findByPath(ref: string, input: ResolveInput): Promise<FileRecord[]> {
  let byContent: FileRecord[] = [];
  try {
    byContent = await input.catalog.findByRef(input.userId, await hashPath(ref, input));
  } catch (error) {
    if (!isExaiError(error) || error.name !== 'PATH_NOT_FOUND') throw error;
  }
  return byContent.length > 0 ? byContent : findByStoredPath(ref, input);
}

// Reads no file: it compares names the catalog already holds, so it probes nothing on disk.
async function findByStoredPath(ref: string, input: ResolveInput): Promise<FileRecord[]> {
  const absolute = path.resolve(input.cwd, ref);
  const rows = await input.catalog.list({ userId: input.userId });
  return rows.filter((r) => r.status !== 'deleted' && r.originalName === absolute);
}

/** Hash a file through safeOpen + readPass: same roots, symlink and identity checks as upload. */
async function hashPath(ref: string, input: ResolveInput): Promise<string> {
  const { safeOpen } = await import('../files/safe-open.js');
  const { readPass } = await import('../files/read-pass.js');
  const { config } = input;
  const policy = pathPolicyFor(config, input.cwd);
  const opened = await safeOpen(ref, policy);
  try {
    const read = await readPass(opened, { maxBytes: Number.MAX_SAFE_INTEGER - 1, hash: true });
    if (read.sha256 === undefined) throw new ExaiError('INTERNAL', `could not hash ${ref}`);
    return read.sha256;
  } finally {
    await opened.handle.close();
  }
}

function looksLikePath(ref: string): boolean {
  return ref.includes('/') || ref.includes(path.sep) || ref.startsWith('.');
}

async function exists(file: string): Promise<boolean> {
  return lstat(file).then(
    () => true,
    () => false,
  );
}

/** A row to delete and the ref that named it. */
export interface RemovalTarget {
  ref: string;
  record: FileRecord;
}

/** What the refs came to: rows to delete (each once) and refs that named none. */
export interface ResolvedTargets {
  targets: RemovalTarget[];
  unresolved: Array<{ ref: string; error: ExaiError }>;
}

/** Resolve every ref; two refs naming the same row (an id and a path, say) delete it once. */
export async function resolveTargets(refs: readonly string[], input: ResolveInput): Promise<ResolvedTargets> {
  const seen = new Set<string>();
  const out: ResolvedTargets = { targets: [], unresolved: [] };
  for (const r of await resolveRefs(refs, input)) {
    if ('error' in r) {
      out.unresolved.push(r);
      continue;
    }
    for (const record of r.records) {
      if (seen.has(record.id)) continue;
      seen.add(record.id);
      out.targets.push({ ref: r.ref, record });
    }
  }
  return out;
}
