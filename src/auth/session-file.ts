/**
 * The login session on disk: one JSON file, mode 0600, in a 0700 directory under the state
 * dir. Written atomically (temp file + rename, so a crash never leaves half a session) and
 * read without following links, refusing a file other users could read or replace — it
 * holds a refresh token, which is as good as the password.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import { constants } from 'node:fs';
import path from 'node:path';
import { ExaiError } from '../core/errors.js';

/** The storage shape supabase-js's auth client accepts (getItem/setItem/removeItem). */
export interface SessionStorage {
  getItem(key: string): Promise<string | null>;
  setItem(key: string, value: string): Promise<void>;
  removeItem(key: string): Promise<void>;
}

/** Where the session of a state dir lives. */
export function sessionPath(stateDir: string): string {
  return path.join(stateDir, 'auth', 'session.json');
}

/** A SessionStorage backed by one private file; the key names the entry inside it. */
export function createFileSessionStorage(file: string): SessionStorage {
  return {
    getItem: async (key) => (await readEntries(file))[key] ?? null,
    setItem: async (key, value) => writeEntries(file, { ...(await readEntries(file)), [key]: value }),
    removeItem: async (key) => {
      const entries = await readEntries(file);
      delete entries[key];
      if (Object.keys(entries).length === 0) await fs.rm(file, { force: true });
      else await writeEntries(file, entries);
    },
  };
}

/**
 * `storage` that tells `onSecret` each access and refresh token passing through it (read at
 * load, written at refresh): whoever prints for this process can then mask them even when a
 * server quotes one back bare.
 */
export function reportingTokens(storage: SessionStorage, onSecret: ((secret: string) => void) | undefined): SessionStorage {
  if (onSecret === undefined) return storage;
  const report = (value: string | null) => {
    if (value === null) return;
    try {
      const session = JSON.parse(value) as Record<string, unknown>;
      for (const key of ['access_token', 'refresh_token']) if (typeof session[key] === 'string') onSecret(session[key]);
    } catch {
      // Not a session: nothing to report.
    }
  };
  return {
    getItem: async (key) => {
      const value = await storage.getItem(key);
      report(value);
      return value;
    },
    setItem: async (key, value) => {
      report(value);
      await storage.setItem(key, value);
    },
    removeItem: (key) => storage.removeItem(key),
  };
}

/** Delete the session file (logout); a missing file is fine. */
export async function removeSessionFile(file: string): Promise<boolean> {
  try {
    await fs.unlink(file);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw error;
  }
}

async function readEntries(file: string): Promise<Record<string, string>> {
  let handle: fs.FileHandle;
  try {
    handle = await fs.open(file, constants.O_RDONLY | constants.O_NOFOLLOW);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return {};
    if (code === 'ELOOP') throw unsafe(file, 'is a symbolic link');
    throw error;
  }
  try {
    const stat = await handle.stat();
    if (!stat.isFile()) throw unsafe(file, 'is not a regular file');
    if ((stat.mode & 0o077) !== 0) throw unsafe(file, `has mode ${(stat.mode & 0o777).toString(8)} (others can read it)`);
    if (typeof process.getuid === 'function' && stat.uid !== process.getuid()) throw unsafe(file, `belongs to uid ${stat.uid}, not to you`);
    return parseEntries(await handle.readFile('utf8'));
  } finally {
    await handle.close();
  }
}

function parseEntries(text: string): Record<string, string> {
  try {
    const parsed: unknown = JSON.parse(text);
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) return {};
    return Object.fromEntries(Object.entries(parsed).filter((e): e is [string, string] => typeof e[1] === 'string'));
  } catch {
    // A garbled session is no session: the user logs in again.
    return {};
  }
}

async function writeEntries(file: string, entries: Record<string, string>): Promise<void> {
  const dir = path.dirname(file);
  await fs.mkdir(dir, { recursive: true, mode: 0o700 });
  await fs.chmod(dir, 0o700);
  const temp = path.join(dir, `.session-${randomBytes(6).toString('hex')}.tmp`);
  const handle = await fs.open(temp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o600);
  try {
    await handle.writeFile(JSON.stringify(entries));
    await handle.sync();
  } finally {
    await handle.close();
  }
  try {
    await fs.rename(temp, file);
  } catch (error) {
    await fs.rm(temp, { force: true });
    throw error;
  }
}

function unsafe(file: string, why: string): ExaiError {
  return new ExaiError('AUTH_REFUSED', `the session file ${file} ${why}; it is not used`, {
    hint: `remove it (rm ${file}) and run \`exai login\` again`,
  });
}
