/**
 * isatty() that loads node:tty only when the answer could be yes. node:tty brings net with it
 * (~2.5 ms of a start), and most runs that are timed or scripted have stdio on /dev/null, a
 * file or a pipe, none of which can be a terminal.
 */
import { fstatSync, statSync, type Stats } from 'node:fs';
import { isatty } from 'node:tty';

let devNull: Stats | null | undefined;

/** Is descriptor `fd` a terminal? Same answer as tty.isatty(fd). */
export function isTerminal(fd: number): boolean {
  // Windows reports consoles through other means than a character device: ask tty directly.
  if (process.platform === 'win32') return isatty(fd);
  let stats: Stats;
  try {
    stats = fstatSync(fd);
  } catch {
    return false; // closed or invalid: isatty says false too
  }
  if (!stats.isCharacterDevice()) return false;
  if (isDevNull(stats)) return false;
  return isatty(fd);
}

function isDevNull(stats: Stats): boolean {
  if (devNull === undefined) {
    try {
      devNull = statSync('/dev/null');
    } catch {
      devNull = null;
    }
  }
  return devNull !== null && devNull.isCharacterDevice() && stats.rdev === devNull.rdev;
}
