import { closeSync, mkdtempSync, openSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { isatty } from 'node:tty';
import { describe, expect, it } from 'vitest';
import { isTerminal } from '../../../src/cli/is-terminal.js';

describe('isTerminal', () => {
  it('says what tty.isatty says for a file, /dev/null, a closed and a negative descriptor', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'exai-is-terminal-'));
    try {
      const file = openSync(path.join(dir, 'out.json'), 'w');
      const devNull = openSync('/dev/null', 'r');
      closeSync(file);
      const closed = file;
      const open = [openSync(path.join(dir, 'out.json'), 'r'), devNull];
      for (const fd of [...open, closed, -1, 99_999]) expect([fd, isTerminal(fd)]).toEqual([fd, isatty(fd)]);
      for (const fd of open) closeSync(fd);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

});
