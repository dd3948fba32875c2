/**
 * Validation of a big file from its first bytes, when that is all validation needs: the head
 * already proves the content is not text (a NUL, or a byte sequence that is not UTF-8) and
 * file-type names its format, so every rule sees the facts a full read would give. Only the
 * hash is missing; upload computes it as the bytes go out (hash-later.ts says when that is
 * allowed). A hash-cache hit is judged from the cache through the handle already open.
 * Anything else — possible text, an unknown type, a path problem — takes the full
 * inspection, which reports it exactly as `exai validate` does.
 */
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { isExaiError } from '../errors.js';
import { analyseContent, buildFacts } from '../files/facts.js';
import type { HashCacheEntry } from '../files/hash-cache.js';
import { createPassState, HEAD_BYTES } from '../files/pass-state.js';
import { sourceFromHandle } from '../files/random-source.js';
import { safeOpen } from '../files/safe-open.js';
import type { OpenedFile, ReadPassResult } from '../files/types.js';
import { inspectCached, inspectFile, validateFacts, type FileInspection, type InspectOptions } from '../validate/index.js';
import { HASH_WHILE_UPLOADING_MIN_BYTES } from './hash-later.js';

/** Inspect one input for upload: head-only for big binary files, the full read otherwise. */
export async function inspectForUpload(input: string, opts: InspectOptions): Promise<FileInspection> {
  return (await inspectHeadOnly(input, opts)) ?? inspectFile(input, opts);
}

async function inspectHeadOnly(input: string, opts: InspectOptions): Promise<FileInspection | undefined> {
  // A plain stat first, only as a hint: most files are small, and safeOpen costs several syscalls.
  if (!(await mayBeBig(input, opts))) return undefined;
  let opened: OpenedFile;
  try {
    opened = await safeOpen(input, opts.policy);
  } catch {
    return undefined;
  }
  try {
    if (opened.identity.size < BigInt(HASH_WHILE_UPLOADING_MIN_BYTES)) return undefined;
    // A cache hit (a big file's dedup hit, typically) is judged through this verified handle:
    // opening the path again only looked the same identity up a second time, and a file
    // swapped in between would have been a different file from the one just checked.
    const cached = await cachedEntry(opts, opened);
    if (cached !== undefined) return inspectCached(opened, cached, opts);
    return await judgeHead(opened, await readHead(opened), opts);
  } catch (error) {
    // Two reads of the directory disagreed (files/read-regions.ts): the full inspection reads
    // the file afresh and reports what it finds there, as for any other file.
    if (isExaiError(error)) return undefined;
    throw error;
  } finally {
    await opened.handle.close();
  }
}

async function mayBeBig(input: string, opts: InspectOptions): Promise<boolean> {
  try {
    return (await stat(path.resolve(opts.policy.cwd, input))).size >= HASH_WHILE_UPLOADING_MIN_BYTES;
  } catch {
    return false;
  }
}

// A cached hash is free: the file is judged from it without being read. A cache opened on
// first need (lazy-hash-cache.ts) is opened here, before it is asked; a cache that fails reads
// as a miss, as it does in the full inspection.
async function cachedEntry(opts: InspectOptions, opened: OpenedFile): Promise<HashCacheEntry | undefined> {
  try {
    await opts.hashCache?.prepare?.(opened.identity);
    return opts.hashCache?.get(opened.identity);
  } catch {
    return undefined;
  }
}

/** The head as a pass that stopped early: text evidence counts only where it is conclusive. */
async function readHead(opened: OpenedFile): Promise<ReadPassResult> {
  const buffer = Buffer.allocUnsafe(HEAD_BYTES);
  const { bytesRead } = await opened.handle.read(buffer, 0, HEAD_BYTES, 0);
  const pass = createPassState(false);
  pass.push(buffer.subarray(0, bytesRead));
  // finish(true): a multi-byte character cut at the end of the head is not evidence of binary.
  return pass.finish(true);
}

async function judgeHead(opened: OpenedFile, head: ReadPassResult, opts: InspectOptions): Promise<FileInspection | undefined> {
  const couldBeText = head.validUtf8 && !head.hasNul;
  if (couldBeText) return undefined;
  const size = Number(opened.identity.size);
  // The rest of the file is read (and counted, and checked for change) as it is uploaded.
  const read: ReadPassResult = { ...head, bytesRead: size, truncated: false, sha256: undefined };
  // The head alone can't prove a container: its directory is read from the same handle.
  const content = await analyseContent(read, sourceFromHandle(opened.handle, size));
  if (content.sniffedExt === undefined) return undefined;
  const facts = buildFacts(opened, content, read);
  const errors = validateFacts(facts, opts.rules);
  return { displayPath: opened.displayPath, valid: errors.length === 0, errors, facts, identity: opened.identity };
}
