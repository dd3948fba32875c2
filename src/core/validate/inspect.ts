/**
 * Steps 1-3 of the pipeline for one file: open safely, read once (or ask the hash cache),
 * judge. Used by `exai validate` and by upload. Per-file problems — path errors included —
 * come back as `errors`, never as throws, so a batch can report every file.
 */
import { isExaiError, type ExaiError } from '../errors.js';
import { analyseContent, buildFacts } from '../files/facts.js';
import type { HashCache, HashCacheEntry } from '../files/hash-cache.js';
import { readPass } from '../files/read-pass.js';
import { safeOpen } from '../files/safe-open.js';
import type { FileFacts, FileIdentity, OpenedFile, PathPolicy, ReadPassResult } from '../files/types.js';
import { RULES, type RuleConfig } from './rules.js';

/** How to inspect: the path policy, the rule settings, and optionally a hash cache. */
export interface InspectOptions {
  policy: PathPolicy;
  rules: RuleConfig;
  hashCache?: HashCache | undefined;
  /** Hand back the open, verified handle when the file is valid (the caller closes it). */
  keepOpen?: boolean | undefined;
}

/** The outcome for one input. */
export interface FileInspection {
  displayPath: string;
  valid: boolean;
  errors: ExaiError[];
  facts?: FileFacts;
  /** Only with keepOpen and valid: the caller must close `opened.handle`. */
  opened?: OpenedFile;
  identity?: FileIdentity;
}

/** Run every rule against `facts`; all failures are returned, in rule order. */
export function validateFacts(facts: FileFacts, cfg: RuleConfig): ExaiError[] {
  return RULES.map((rule) => rule.check(facts, cfg)).filter((error): error is ExaiError => error !== undefined);
}

/** Open, read (or hit the cache), sniff and validate one input path. */
export async function inspectFile(input: string, opts: InspectOptions): Promise<FileInspection> {
  let opened: OpenedFile;
  try {
    opened = await safeOpen(input, opts.policy);
  } catch (error) {
    if (isExaiError(error)) return { displayPath: input, valid: false, errors: [error] };
    throw error;
  }
  const identity = opened.identity;
  try {
    const facts = await gatherFacts(opened, opts);
    const errors = validateFacts(facts, opts.rules);
    const valid = errors.length === 0;
    const keep = valid && opts.keepOpen === true;
    if (!keep) await opened.handle.close();
    return { displayPath: input, valid, errors, facts, identity, ...(keep ? { opened } : {}) };
  } catch (error) {
    await opened.handle.close().catch(() => undefined);
    if (isExaiError(error)) return { displayPath: input, valid: false, errors: [error], identity };
    throw error;
  }
}

async function gatherFacts(opened: OpenedFile, opts: InspectOptions): Promise<FileFacts> {
  const cached = lookUp(opts.hashCache, opened.identity);
  if (cached !== undefined) return buildFacts(opened, cached, readFromCache(cached, opened.identity));
  const read = await readPass(opened, { maxBytes: opts.rules.maxFileSize, hash: true });
  const content = await analyseContent(read);
  if (content.sha256 !== undefined) remember(opts.hashCache, opened.identity, { ...content, sha256: content.sha256 });
  return buildFacts(opened, content, read);
}

// The cache is a hint: a locked or damaged cache must not fail validation, so it reads as a miss.
function lookUp(cache: HashCache | undefined, identity: FileIdentity): HashCacheEntry | undefined {
  try {
    return cache?.get(identity);
  } catch {
    return undefined;
  }
}

function remember(cache: HashCache | undefined, identity: FileIdentity, entry: HashCacheEntry): void {
  try {
    cache?.set(identity, entry);
  } catch {
    // Same reasoning: failing to remember only costs a re-read next time.
  }
}

// Only complete passes are cached, so the size is the stat size the key was checked against.
function readFromCache(entry: HashCacheEntry, identity: FileIdentity): ReadPassResult {
  return {
    bytesRead: Number(identity.size),
    sha256: entry.sha256,
    head: Buffer.alloc(0),
    truncated: false,
    validUtf8: entry.validUtf8,
    hasNul: entry.hasNul,
  };
}
