/**
 * A config file someone else can change is not applied: it can allow external paths or point
 * `kimi.baseUrl` at a server that then receives the key. The rule is ssh's for its keys
 * (StrictModes): the file and every directory above it belong to us or root, and nobody
 * else can write them; a directory others can write is fine only with the sticky bit
 * (/tmp), where they cannot replace what is ours.
 */
import type { Stats } from 'node:fs';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { ExaiError } from '../errors.js';

const GROUP_OR_OTHER_WRITE = 0o022;
const STICKY = 0o1000;

/**
 * Throw CONFIG_INVALID (exit 9) naming the file or directory, its owner and mode, and the
 * fix, when `filePath` (already opened; `stat` is its handle's) could be changed by another
 * user. `uid` undefined (Windows) skips the check: there is no POSIX owner to compare.
 */
export async function checkConfigTrust(filePath: string, stat: Stats, uid: number | undefined = process.getuid?.()): Promise<void> {
  if (uid === undefined) return;
  if (isForeign(stat.uid, uid) || (stat.mode & GROUP_OR_OTHER_WRITE) !== 0) throw untrusted(filePath, stat, uid);
  for (const dir of await directoriesAbove(filePath)) {
    const st = await fsp.stat(dir);
    const writable = (st.mode & GROUP_OR_OTHER_WRITE) !== 0 && (st.mode & STICKY) === 0;
    if (isForeign(st.uid, uid) || writable) throw untrusted(filePath, st, uid, dir);
  }
}

function isForeign(owner: number, uid: number): boolean {
  return owner !== uid && owner !== 0;
}

// Both the directories the path names and those of the file it resolves to: a symlinked
// config.json is fine when both ends are ours.
async function directoriesAbove(filePath: string): Promise<string[]> {
  const dirs = new Set<string>();
  for (const start of [await fsp.realpath(path.dirname(filePath)), path.dirname(await fsp.realpath(filePath))]) {
    for (let dir = start; ; dir = path.dirname(dir)) {
      dirs.add(dir);
      if (path.dirname(dir) === dir) break;
    }
  }
  return [...dirs];
}

function untrusted(filePath: string, st: Stats, uid: number, dir?: string): ExaiError {
  const target = dir ?? filePath;
  const foreign = isForeign(st.uid, uid);
  const mode = (st.mode & 0o7777).toString(8).padStart(4, '0');
  const facts = `owner ${describeOwner(st.uid)}, mode ${mode}`;
  const why = foreign ? `owned by another user (${facts})` : `writable by other users (${facts})`;
  const subject = dir === undefined ? `config file ${filePath} is ${why}` : `config file ${filePath} is in directory ${dir}, ${why}`;
  const fix = foreign ? `chown ${uid} ${quote(target)}` : `chmod go-w ${quote(target)}${dir === undefined ? '' : ' (or chmod +t for a shared directory)'}`;
  return new ExaiError('CONFIG_INVALID', `${subject}: someone else could change it, so it is not applied`, {
    hint: `${fix}, or set EXAI_CONFIG_DIR to a directory only you can write`,
    path: filePath,
    details: { owner_uid: st.uid, mode, path: target },
  });
}

// The owner's name helps the reader; the uid alone is kept when it has none. Only read on
// this error path, never on a normal start.
function describeOwner(uid: number): string {
  try {
    const line = fs
      .readFileSync('/etc/passwd', 'utf8')
      .split('\n')
      .find((l) => l.split(':')[2] === String(uid));
    const name = line?.split(':')[0];
    return name ? `${name} (uid ${uid})` : `uid ${uid}`;
  } catch {
    return `uid ${uid}`;
  }
}

function quote(p: string): string {
  return /^[\w./-]+$/.test(p) ? p : `'${p.replace(/'/g, `'\\''`)}'`;
}
