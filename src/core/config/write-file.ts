/**
 * Writing config.json: a temp file created with O_EXCL|O_NOFOLLOW in the config dir, mode set
 * on the descriptor, synced, then renamed over the old file, and the directory synced. It
 * never writes or chmods through a symlink (a planted `config.json -> ~/.bashrc` would
 * otherwise be overwritten and made 0600), and a crash leaves the old file or the new one.
 * `conf` is not used for this: it writes through links and chmods the target.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { ExaiError } from '../errors.js';

const { O_CREAT, O_EXCL, O_WRONLY, O_NOFOLLOW } = fs.constants;

/** Replace `filePath` with `text` (mode 0600); CONFIG_INVALID if it is a symlink or cannot be written. */
export async function writeConfigFileAtomic(filePath: string, text: string): Promise<void> {
  await refuseSymlink(filePath);
  const dir = path.dirname(filePath);
  const temp = path.join(dir, `.${path.basename(filePath)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
  try {
    // O_NOFOLLOW is undefined on Windows; O_EXCL alone already refuses an existing link.
    const handle = await fsp.open(temp, O_CREAT | O_EXCL | O_WRONLY | (O_NOFOLLOW ?? 0), 0o600);
    try {
      await handle.chmod(0o600); // the umask may have taken bits away; never more than 0600
      await handle.writeFile(text, 'utf8');
      await handle.sync();
    } finally {
      await handle.close();
    }
    await fsp.rename(temp, filePath);
  } catch (error) {
    await fsp.rm(temp, { force: true }).catch(() => undefined);
    throw new ExaiError('CONFIG_INVALID', `cannot write config file ${filePath}: ${(error as Error).message}`, {
      hint: 'set EXAI_CONFIG_DIR to a directory you own',
      path: filePath,
      cause: error,
    });
  }
  await syncDirectory(dir);
}

/** CONFIG_INVALID when `filePath` is a symbolic link: config set neither reads nor writes through one. */
export async function refuseSymlink(filePath: string): Promise<void> {
  const st = await fsp.lstat(filePath).catch(() => undefined);
  if (st === undefined || !st.isSymbolicLink()) return;
  throw new ExaiError('CONFIG_INVALID', `config file ${filePath} is a symbolic link: exai does not write through links`, {
    hint: `remove the link (rm ${JSON.stringify(filePath)}) and set the value again, or edit the file it points to yourself`,
    path: filePath,
  });
}

// The rename is durable only once the directory is synced (facts/security.md §6.5); a
// platform that cannot open a directory (Windows) keeps the atomic rename at least.
async function syncDirectory(dir: string): Promise<void> {
  const handle = await fsp.open(dir, 'r').catch(() => undefined);
  if (handle === undefined) return;
  try {
    await handle.sync().catch(() => undefined);
  } finally {
    await handle.close();
  }
}
