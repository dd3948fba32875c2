/** Lockfile contents and paths (DESIGN.md §6): owner metadata, key validation, reads and writes. */
import { randomBytes } from 'node:crypto';
import { closeSync, constants, fstatSync, linkSync, openSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { ExaiError } from '../errors.js';

/** The JSON written into `<dir>/locks/<key>.lock`. */
export interface LockOwner {
  pid: number;
  hostname: string;
  user: string;
  /** What the holder is doing, e.g. "exai upload". */
  command: string;
  /** ISO time the lock was first taken. */
  started: string;
  /** Epoch ms; the holder pushes it forward every lease/3. */
  lease_expires_at: number;
  /** Random per acquisition: proves a lockfile is still ours. */
  nonce: string;
  /** Linux boot id: a pid from a previous boot says nothing about liveness. */
  boot_id?: string;
  /**
   * Fencing token: grows with every acquisition of this key (a takeover takes the stale
   * holder's plus one). Recorded on the catalog row a holder claims, so a holder that stalled
   * past its lease cannot write over the work of the one that took its place.
   */
  generation: number;
}

/** One read of a lockfile: raw text, parsed owner (undefined when garbage), mtime. */
export interface LockRead {
  raw: string;
  owner: LockOwner | undefined;
  mtimeMs: number;
}

const KEY_PATTERN = /^[A-Za-z0-9._-]{1,200}$/;

/** Throw USAGE unless `key` is a safe file-name stem (no separators, so no traversal). */
export function validateLockKey(key: string): void {
  if (!KEY_PATTERN.test(key) || key === '.' || key === '..') {
    throw new ExaiError('USAGE', `invalid lock key ${JSON.stringify(key)}`, {
      hint: 'a lock key is the file sha256: letters, digits, ".", "_" and "-" only',
    });
  }
}

/** The directory holding every lockfile under a state dir. */
export function locksDirOf(stateDir: string): string {
  return path.join(stateDir, 'locks');
}

/** `<dir>/locks/<key>.lock` after validating the key. */
export function lockPathFor(stateDir: string, key: string): string {
  validateLockKey(key);
  return path.join(locksDirOf(stateDir), `${key}.lock`);
}

const NONCE_BYTES = 12;
// Cut from one CSPRNG draw: an upload makes five nonces, a randomBytes call each was measurable.
const NONCE_POOL_BYTES = NONCE_BYTES * 128;
let noncePool = Buffer.alloc(0);
let nonceOffset = 0;

/** A fresh random nonce (never handed out twice: the pool only moves forward). */
export function makeNonce(): string {
  if (nonceOffset + NONCE_BYTES > noncePool.length) {
    noncePool = randomBytes(NONCE_POOL_BYTES);
    nonceOffset = 0;
  }
  const nonce = noncePool.toString('hex', nonceOffset, nonceOffset + NONCE_BYTES);
  nonceOffset += NONCE_BYTES;
  return nonce;
}

let bootIdCache: string | null | undefined;

/** /proc/sys/kernel/random/boot_id when present (Linux), else undefined. Read once. */
export function readBootId(): string | undefined {
  if (bootIdCache === undefined) {
    try {
      bootIdCache = readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim() || null;
    } catch {
      bootIdCache = null;
    }
  }
  return bootIdCache ?? undefined;
}

function isOwner(value: unknown): value is Omit<LockOwner, 'generation'> & { generation?: number } {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  return (
    Number.isSafeInteger(v.pid) && (v.pid as number) > 0 &&
    typeof v.hostname === 'string' && typeof v.user === 'string' && typeof v.command === 'string' &&
    typeof v.started === 'string' && typeof v.nonce === 'string' && Number.isFinite(v.lease_expires_at) &&
    (v.boot_id === undefined || typeof v.boot_id === 'string') &&
    (v.generation === undefined || Number.isSafeInteger(v.generation))
  );
}

/** Parse lockfile text; undefined for anything that isn't complete owner metadata. */
export function parseOwner(raw: string): LockOwner | undefined {
  try {
    const value: unknown = JSON.parse(raw);
    // Lockfiles written before fencing tokens carry none: generation 0, older than any new one.
    return isOwner(value) ? { ...value, generation: value.generation ?? 0 } : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Read a lockfile through one descriptor (content and mtime agree); undefined when it is gone.
 * Lockfiles are read and created with synchronous syscalls: a few hundred bytes on a local
 * disk (DESIGN.md §6), where each async call is a threadpool round trip costing several times
 * the syscall (safe-open-sync.ts); ~20 per uploaded file were a batch's largest main-thread cost.
 * O_NONBLOCK: a FIFO planted at the path must not block the process in open(2); it reads as garbage.
 */
export async function readLock(file: string): Promise<LockRead | undefined> {
  let fd: number;
  try {
    fd = openSync(file, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
  try {
    const stat = fstatSync(fd);
    const raw = readFileSync(fd, 'utf8');
    return { raw, owner: parseOwner(raw), mtimeMs: stat.mtimeMs };
  } finally {
    closeSync(fd);
  }
}

/**
 * Create `file` with `content` only if nothing is there. False when it already exists.
 * The content is written to a temp file first and linked into place (link(2) fails on an
 * existing name, like O_EXCL), so nobody ever sees the file empty or half written — a crash
 * between create and write can no longer leave an empty lockfile that blocks for a lease.
 * Synchronous syscalls, like readLock.
 */
export async function createExclusive(file: string, content: string): Promise<boolean> {
  const temp = `${file}.${makeNonce()}.tmp`;
  writeFileSync(temp, content, { mode: 0o600, flag: 'wx' });
  try {
    linkSync(temp, file);
    return true;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') return false;
    // A filesystem without hard links: O_EXCL with the content in a single write instead.
    if (code === 'EPERM' || code === 'ENOTSUP' || code === 'EOPNOTSUPP') return createExclusiveOpen(file, content);
    throw err;
  } finally {
    unlinkQuietly(temp);
  }
}

/** Remove `file`, ignoring every error (already gone, or left for the next cleanup). */
export function unlinkQuietly(file: string): void {
  try {
    unlinkSync(file);
  } catch {
    // gone already, or not ours to remove
  }
}

async function createExclusiveOpen(file: string, content: string): Promise<boolean> {
  try {
    await fs.writeFile(file, content, { mode: 0o600, flag: 'wx' });
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw err;
  }
}

/** Replace `file` atomically (temp in the same dir, then rename over it). */
export async function writeAtomic(file: string, content: string): Promise<void> {
  const temp = `${file}.${makeNonce()}.tmp`;
  try {
    await fs.writeFile(temp, content, { mode: 0o600 });
    await fs.rename(temp, file);
  } catch (err) {
    await fs.unlink(temp).catch(() => undefined);
    throw err;
  }
}

/** Move `file` aside to a unique name and delete it; false when it was already gone. */
export async function removeAside(file: string): Promise<boolean> {
  const aside = `${file}.stale.${makeNonce()}`;
  try {
    await fs.rename(file, aside);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw err;
  }
  await fs.unlink(aside).catch(() => undefined);
  return true;
}
