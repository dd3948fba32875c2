/**
 * Steps 1-3 of the pipeline for one file: open safely, read once (or ask the hash cache),
 * judge. Used by `exai validate` and by upload. Per-file problems — path errors included —
 * come back as `errors`, never as throws, so a batch can report every file.
 */
import type { FileHandle } from 'node:fs/promises';
import { isExaiError, type ExaiError } from '../errors.js';
import { analyseContent, buildFacts } from '../files/facts.js';
import type { HashCache, HashCacheEntry } from '../files/hash-cache.js';
import { sourceFromHandle, type RandomSource } from '../files/random-source.js';
import { readPass } from '../files/read-pass.js';
import { SYNC_BUFFER_BYTES, readPassSync } from '../files/read-pass-sync.js';
import { safeOpen } from '../files/safe-open.js';
import { closeSmallFile, openSmallSync, type OpenedFd } from '../files/safe-open-sync.js';
import type { FileFacts, FileIdentity, OpenedFile, PathPolicy, ReadPassResult } from '../files/types.js';
import { confirmJudgedBytes, type ConfirmIo } from './confirm-regions.js';
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

type Verified = Pick<OpenedFile, 'displayPath' | 'realPath' | 'identity'>;

/** Run every rule against `facts`; all failures are returned, in rule order. */
export function validateFacts(facts: FileFacts, cfg: RuleConfig): ExaiError[] {
  const errors: ExaiError[] = [];
  for (const rule of RULES) {
    const error = rule.check(facts, cfg);
    if (error !== undefined) errors.push(error);
  }
  return errors;
}

/** Open, read (or hit the cache), sniff and validate one input path. */
export async function inspectFile(input: string, opts: InspectOptions): Promise<FileInspection> {
  // Small files are opened and read with synchronous syscalls (safe-open-sync.ts says why);
  // large ones, and any handle the caller keeps, go through the async FileHandle path.
  let small: OpenedFd | undefined;
  try {
    if (opts.keepOpen !== true) small = openSmallSync(input, opts.policy, SYNC_BUFFER_BYTES);
  } catch (error) {
    return failed(input, error, undefined);
  }
  if (small === undefined) return inspectLarge(input, opts);
  if (small.identity.size > BigInt(SYNC_BUFFER_BYTES)) {
    // It grew between lstat and open: the pooled buffer can't hold it, the async pass can.
    closeSmallFile(small);
    return inspectLarge(input, opts);
  }
  const result = await inspectSmall(small, opts);
  await yieldIfDue();
  return result;
}

// Synchronous reads never hand the event loop a turn (the sniff resolves in microtasks), so
// a batch of small files would starve timers and signals — SIGINT, lock heartbeats, the
// progress line — until it ended. Let the loop run every so often.
// Date.now, not performance.now: asked once per file, and in a short run (cold code) each
// performance.now() cost ~2 µs against Date.now's ~0.06; millisecond resolution is plenty here.
const YIELD_EVERY_MS = 20;
let lastYield = 0;

async function yieldIfDue(): Promise<void> {
  const now = Date.now();
  if (now - lastYield < YIELD_EVERY_MS && now >= lastYield) return;
  await new Promise<void>((resolve) => setImmediate(resolve));
  lastYield = Date.now();
}

async function inspectSmall(file: OpenedFd, opts: InspectOptions): Promise<FileInspection> {
  // The fd stays open until the content is analysed: a zip's directory or a tag past the
  // head is read through it, never through the path again.
  try {
    const opening = opts.hashCache?.prepare?.(file.identity);
    if (opening !== undefined) await opening;
    const cached = lookUp(opts.hashCache, file.identity);
    if (cached !== undefined) return judge(file, factsFromCache(file, cached), opts);
    const held = readPassSync(file, { maxBytes: opts.rules.maxFileSize, hash: true });
    try {
      // Nothing past the cap is looked into, so the fd is never read again: all is in `body`.
      const facts = await factsFromRead(file, held.read, opts, undefined, held.body);
      return judge(file, withoutHead(facts), opts);
    } finally {
      held.release();
    }
  } catch (error) {
    return failed(file.displayPath, error, file.identity);
  } finally {
    closeSmallFile(file);
  }
}

async function inspectLarge(input: string, opts: InspectOptions): Promise<FileInspection> {
  let opened: OpenedFile;
  try {
    opened = await safeOpen(input, opts.policy);
  } catch (error) {
    return failed(input, error, undefined);
  }
  try {
    const facts = await gatherFacts(opened, opts);
    const result = judge(opened, facts, opts);
    if (result.opened === undefined) await opened.handle.close();
    return result;
  } catch (error) {
    await opened.handle.close().catch(() => undefined);
    return failed(input, error, opened.identity);
  }
}

/**
 * Judge a file the caller opened through safeOpen and found in the hash cache, without reading
 * it: the same verdict inspectFile gives from that entry. Never hands the handle back.
 */
export function inspectCached(opened: OpenedFile, entry: HashCacheEntry, opts: InspectOptions): FileInspection {
  return judge(opened, factsFromCache(opened, entry), { ...opts, keepOpen: false });
}

function judge(file: Verified | OpenedFile, facts: FileFacts, opts: InspectOptions): FileInspection {
  const errors = validateFacts(facts, opts.rules);
  const valid = errors.length === 0;
  const keep = valid && opts.keepOpen === true && 'handle' in file;
  return { displayPath: file.displayPath, valid, errors, facts, identity: file.identity, ...(keep ? { opened: file } : {}) };
}

// ExaiErrors are the file's problem and become its report; anything else is a bug and escapes.
function failed(displayPath: string, error: unknown, identity: FileIdentity | undefined): FileInspection {
  if (!isExaiError(error)) throw error;
  return { displayPath, valid: false, errors: [error], ...(identity === undefined ? {} : { identity }) };
}

async function gatherFacts(opened: OpenedFile, opts: InspectOptions): Promise<FileFacts> {
  const opening = opts.hashCache?.prepare?.(opened.identity);
  if (opening !== undefined) await opening;
  const cached = lookUp(opts.hashCache, opened.identity);
  if (cached !== undefined) return factsFromCache(opened, cached);
  const read = await readPass(opened, { maxBytes: opts.rules.maxFileSize, hash: true });
  return factsFromRead(opened, read, opts, () => sourceFromHandle(opened.handle, read.bytesRead), undefined, handleIo(opened.handle));
}

// Random reads only when the head did not hold the whole file (and never past the size cap).
// What they judged is confirmed against the hashed bytes before the verdict is cached (a small
// file's body is the hashed bytes themselves, so it has nothing to confirm).
async function factsFromRead(
  file: Verified,
  read: ReadPassResult,
  opts: InspectOptions,
  source: (() => RandomSource) | undefined,
  body?: Buffer,
  io?: ConfirmIo,
): Promise<FileFacts> {
  const further = body === undefined && source !== undefined && !read.truncated && read.bytesRead > read.head.length;
  const content = await analyseContent(read, further ? source() : undefined, body);
  if (io !== undefined) await confirmJudgedBytes(file, io, content);
  if (content.sha256 !== undefined) remember(opts.hashCache, file.identity, { ...content, sha256: content.sha256 });
  return buildFacts(file, content, read);
}

function handleIo(handle: FileHandle): ConfirmIo {
  return { readAt: async (buf, position) => (await handle.read(buf, 0, buf.length, position)).bytesRead, stat: () => handle.stat({ bigint: true }) };
}

const EMPTY = Buffer.alloc(0);

// The head was a view of a pooled buffer that goes back to the pool: drop it, as a cache hit
// has none (the rules have judged it; only a head-only upload keeps one, its own copy).
function withoutHead(facts: FileFacts): FileFacts {
  return { ...facts, read: { ...facts.read, head: EMPTY } };
}

function factsFromCache(file: Verified, entry: HashCacheEntry): FileFacts {
  return buildFacts(file, entry, readFromCache(entry, file.identity));
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
