import { execFileSync } from 'node:child_process';
import fs from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ExaiError } from '../../../../src/core/errors.js';
import { safeOpen } from '../../../../src/core/files/safe-open.js';
import { closeSmallFile, openSmallSync } from '../../../../src/core/files/safe-open-sync.js';
import type { FileIdentity, PathPolicy } from '../../../../src/core/files/types.js';
import { makeTempDir, writeFixture } from '../../../fixtures/files.js';

interface Opened {
  displayPath: string;
  realPath: string;
  identity: FileIdentity;
  close(): Promise<void>;
}

interface Opener {
  name: string;
  open(input: string, policy: PathPolicy): Promise<Opened>;
}

// The async opener (large files, kept handles) and the synchronous one (small files) must
// accept and reject exactly the same paths: every case below runs against both.
const OPENERS: Opener[] = [
  {
    name: 'safeOpen',
    open: async (input, p) => {
      const opened = await safeOpen(input, p);
      return { ...opened, close: () => opened.handle.close() };
    },
  },
  {
    name: 'openSmallSync',
    open: async (input, p) => {
      const opened = openSmallSync(input, p, Number.MAX_SAFE_INTEGER);
      if (opened === undefined) throw new Error('openSmallSync declined a small file');
      return { ...opened, close: async () => closeSmallFile(opened) };
    },
  },
];

describe.each(OPENERS)('$name', (opener) => {
  let base: string;
  let root: string;
  let policy: PathPolicy;

  beforeAll(async () => {
    base = await makeTempDir();
    root = path.join(base, 'root');
    await writeFixture(root, 'ok.txt', 'hello\n');
    await writeFixture(root, 'docs/inner.md', '# inner\n');
    await writeFixture(base, 'root2/secret.txt', 'sibling secret\n');
    await writeFixture(base, 'outside/secret.txt', 'outside secret\n');
    policy = { roots: [root], allowExternal: false, allowHardlinks: false, cwd: root };
  });

  afterAll(async () => {
    await fs.rm(base, { recursive: true, force: true });
  });

  async function rejection(input: string, p: PathPolicy = policy): Promise<ExaiError> {
    const error: unknown = await opener.open(input, p).then(
      async (opened) => {
        await opened.close();
        return undefined;
      },
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ExaiError);
    return error as ExaiError;
  }

  describe('the checks', () => {
    it('opens a regular file inside the root and reports its identity', async () => {
      const opened = await opener.open('ok.txt', policy);
      try {
        expect(opened.realPath).toBe(path.join(root, 'ok.txt'));
        expect(opened.displayPath).toBe('ok.txt');
        expect(opened.identity.size).toBe(6n);
        expect(opened.identity.nlink).toBe(1n);
        expect(opened.identity.ctimeNs).toBeGreaterThan(0n);
      } finally {
        await opened.close();
      }
    });

    it('rejects a ../ escape, naming the path and giving a hint', async () => {
      const error = await rejection('../outside/secret.txt');
      expect(error.name).toBe('PATH_OUTSIDE_ROOTS');
      expect(error.path).toBe('../outside/secret.txt');
      expect(error.message).toContain('../outside/secret.txt');
      expect(error.hint).toMatch(/EXAI_ALLOWED_PATHS/);
    });

    it('rejects an absolute path outside the roots', async () => {
      expect((await rejection(path.join(base, 'outside/secret.txt'))).name).toBe('PATH_OUTSIDE_ROOTS');
    });

    it('rejects a sibling directory that shares the root as a string prefix', async () => {
      expect((await rejection(path.join(base, 'root2/secret.txt'))).name).toBe('PATH_OUTSIDE_ROOTS');
    });

    it('allows an outside path only when allowExternal is true', async () => {
      const opened = await opener.open(path.join(base, 'outside/secret.txt'), { ...policy, allowExternal: true });
      await opened.close();
      expect(opened.realPath).toBe(path.join(base, 'outside/secret.txt'));
    });

    it('rejects a symlink to a file outside the roots as outside', async () => {
      await fs.symlink(path.join(base, 'outside/secret.txt'), path.join(root, 'link-out.txt'));
      expect((await rejection('link-out.txt')).name).toBe('PATH_OUTSIDE_ROOTS');
    });

    it('rejects a final-component symlink even when it points inside the roots', async () => {
      await fs.symlink('ok.txt', path.join(root, 'link-in.txt'));
      const error = await rejection('link-in.txt');
      expect(error.name).toBe('SYMLINK_REJECTED');
      // ...and allowExternal does not turn link following on.
      expect((await rejection('link-in.txt', { ...policy, allowExternal: true })).name).toBe('SYMLINK_REJECTED');
    });

    it('rejects a path through an intermediate symlinked directory that points outside', async () => {
      await fs.symlink(path.join(base, 'outside'), path.join(root, 'via'));
      expect((await rejection('via/secret.txt')).name).toBe('PATH_OUTSIDE_ROOTS');
    });

    it('accepts a path through an intermediate symlinked directory that stays inside', async () => {
      await fs.symlink(path.join(root, 'docs'), path.join(root, 'docs-link'));
      const opened = await opener.open('docs-link/inner.md', policy);
      await opened.close();
      expect(opened.realPath).toBe(path.join(root, 'docs/inner.md'));
    });

    it('rejects a symlink to /proc/self/environ, even with allowExternal', async () => {
      await fs.symlink('/proc/self/environ', path.join(root, 'notes.md'));
      expect((await rejection('notes.md')).name).toBe('SPECIAL_FILESYSTEM');
      expect((await rejection('notes.md', { ...policy, allowExternal: true })).name).toBe('SPECIAL_FILESYSTEM');
    });

    it('rejects /dev/zero with and without allowExternal', async () => {
      expect((await rejection('/dev/zero')).name).toBe('SPECIAL_FILESYSTEM');
      expect((await rejection('/dev/zero', { ...policy, allowExternal: true })).name).toBe('SPECIAL_FILESYSTEM');
    });

    it('rejects a FIFO without blocking', async () => {
      const fifo = path.join(root, 'pipe.txt');
      execFileSync('mkfifo', [fifo]);
      const error = await rejection('pipe.txt');
      expect(error.name).toBe('NOT_REGULAR_FILE');
      expect(error.message).toContain('FIFO');
    });

    it('rejects a directory as not a regular file', async () => {
      expect((await rejection('docs')).name).toBe('NOT_REGULAR_FILE');
    });

    it('rejects a hard link unless allowHardlinks is set', async () => {
      await fs.link(path.join(root, 'ok.txt'), path.join(root, 'hard.txt'));
      try {
        expect((await rejection('hard.txt')).name).toBe('HARDLINK_REJECTED');
        const opened = await opener.open('hard.txt', { ...policy, allowHardlinks: true });
        await opened.close();
        expect(opened.identity.nlink).toBe(2n);
      } finally {
        await fs.rm(path.join(root, 'hard.txt'));
      }
    });

    it('rejects NUL bytes, control characters and empty paths before touching the disk', async () => {
      for (const input of ['ok.txt\0.pdf', 'ok\x1b[2J.txt', '', 'evil\u202etxt.exe']) {
        const error = await rejection(input);
        expect(error.name).toBe('PATH_INVALID');
        expect(error.path).toBe(input);
      }
    });

    it('reports a missing file as PATH_NOT_FOUND', async () => {
      const error = await rejection('nope/missing.pdf');
      expect(error.name).toBe('PATH_NOT_FOUND');
      expect(error.hint).toBeDefined();
    });

    it.skipIf(process.getuid?.() === 0)('reports an unreadable file as PERMISSION_DENIED', async () => {
      const file = await writeFixture(root, 'locked.txt', 'x');
      await fs.chmod(file, 0o000);
      expect((await rejection('locked.txt')).name).toBe('PERMISSION_DENIED');
    });

    it('canonicalises roots itself: a root given through a symlink still contains its files', async () => {
      const alias = path.join(base, 'root-alias');
      await fs.symlink(root, alias);
      const opened = await opener.open(path.join(root, 'ok.txt'), { ...policy, roots: [alias] });
      await opened.close();
      expect(opened.realPath).toBe(path.join(root, 'ok.txt'));
    });

    it('treats an empty root list as "the cwd only"', async () => {
      const cwdOnly = { ...policy, roots: [] };
      const opened = await opener.open('ok.txt', cwdOnly);
      await opened.close();
      expect((await rejection('../outside/secret.txt', cwdOnly)).name).toBe('PATH_OUTSIDE_ROOTS');
    });
  });
});
