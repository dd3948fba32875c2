/** Dirs writable and private (0700); files that may hold secrets or private data private (0600). */
import fs from 'node:fs/promises';
import path from 'node:path';
import type { Dirs } from '../config/types.js';
import type { DoctorCheck } from './types.js';

const octal = (mode: number): string => `0${(mode & 0o777).toString(8)}`;

/** Each of the config, data and state dirs: present, writable by us, not open to others. */
export async function checkDirs(dirs: Dirs): Promise<DoctorCheck[]> {
  const out: DoctorCheck[] = [];
  for (const name of ['config', 'data', 'state'] as const) out.push(await checkDir(`dir ${name}`, dirs[name]));
  return out;
}

async function checkDir(name: string, dir: string): Promise<DoctorCheck> {
  const stat = await fs.stat(dir).catch((error: NodeJS.ErrnoException) => error);
  if (stat instanceof Error) {
    if (stat.code === 'ENOENT') return { name, status: 'ok', message: `${dir} does not exist yet (created 0700 on first use)` };
    return { name, status: 'fail', message: `${dir}: ${stat.code ?? stat.message}`, hint: 'fix the path or its permissions' };
  }
  if (!stat.isDirectory()) return { name, status: 'fail', message: `${dir} is not a directory`, hint: 'point the EXAI_*_DIR variable at a directory' };
  const writable = await fs.access(dir, fs.constants.W_OK | fs.constants.X_OK).then(() => true, () => false);
  if (!writable) return { name, status: 'fail', message: `${dir} is not writable by this user`, hint: `chown it to yourself or set another dir` };
  if ((stat.mode & 0o077) !== 0) {
    return { name, status: 'warn', message: `${dir} is ${octal(stat.mode)}: other users can look inside`, hint: `chmod 700 ${dir}` };
  }
  return { name, status: 'ok', message: `${dir} (${octal(stat.mode)})` };
}

/** Files that must be 0600: everything in the config dir (config, session), the catalog and the state database. */
export async function checkSecretFiles(dirs: Dirs): Promise<DoctorCheck[]> {
  const files = [...(await filesIn(dirs.config)), ...(await filesIn(dirs.data, /^catalog\.sqlite/)), ...(await filesIn(dirs.state, /^state\.sqlite|^breakers\.json$/))];
  const open: string[] = [];
  for (const file of files) {
    const stat = await fs.lstat(file).catch(() => undefined);
    if (stat?.isFile() && (stat.mode & 0o077) !== 0) open.push(`${file} (${octal(stat.mode)})`);
  }
  if (open.length === 0) return [{ name: 'private files', status: 'ok', message: `${files.length} files checked, all private` }];
  return [{ name: 'private files', status: 'fail', message: `readable by other users: ${open.join(', ')}`, hint: 'chmod 600 each of them' }];
}

async function filesIn(dir: string, pattern?: RegExp): Promise<string[]> {
  const names = await fs.readdir(dir).catch(() => [] as string[]);
  return names.filter((n) => pattern === undefined || pattern.test(n)).map((n) => path.join(dir, n));
}
