/** The session file holds a refresh token: private, atomic, never read through a link or from a file others can read. */
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createFileSessionStorage, removeSessionFile, reportingTokens, sessionPath } from '../../../src/auth/session-file.js';
import { ExaiError } from '../../../src/core/errors.js';

let dir: string;
let file: string;
beforeEach(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'exai-session-'));
  file = sessionPath(dir);
});
afterEach(() => fs.rm(dir, { recursive: true, force: true }));

describe('session file', () => {
  it('writes a 0600 file in a 0700 dir and reads it back', async () => {
    const storage = createFileSessionStorage(file);
    await storage.setItem('k', 'secret-session');
    expect(await storage.getItem('k')).toBe('secret-session');
    expect((await fs.stat(file)).mode & 0o777).toBe(0o600);
    expect((await fs.stat(path.dirname(file))).mode & 0o777).toBe(0o700);
    expect((await fs.readdir(path.dirname(file))).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  it('tightens a session dir that others could enter', async () => {
    await fs.mkdir(path.dirname(file), { recursive: true, mode: 0o755 });
    await createFileSessionStorage(file).setItem('k', 'v');
    expect((await fs.stat(path.dirname(file))).mode & 0o777).toBe(0o700);
  });

  it.each([0o644, 0o640, 0o604])('refuses a session file with mode %o', async (mode) => {
    const storage = createFileSessionStorage(file);
    await storage.setItem('k', 'v');
    await fs.chmod(file, mode);
    const error = await storage.getItem('k').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ExaiError);
    expect((error as ExaiError).name).toBe('AUTH_REFUSED');
    expect((error as ExaiError).hint).toContain('exai login');
  });

  it('refuses a symlinked session file, and does not write through it', async () => {
    const target = path.join(dir, 'elsewhere.json');
    await fs.writeFile(target, JSON.stringify({ k: 'planted' }), { mode: 0o600 });
    await fs.mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
    await fs.symlink(target, file);
    const storage = createFileSessionStorage(file);
    expect(((await storage.getItem('k').catch((e: unknown) => e)) as ExaiError).name).toBe('AUTH_REFUSED');
    expect(await fs.readFile(target, 'utf8')).toBe(JSON.stringify({ k: 'planted' }));
  });

  it('a garbled file is no session; removeItem of the last key deletes the file', async () => {
    await fs.mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
    await fs.writeFile(file, '{not json', { mode: 0o600 });
    const storage = createFileSessionStorage(file);
    expect(await storage.getItem('k')).toBeNull();
    await storage.setItem('k', 'v');
    await storage.removeItem('k');
    expect(await removeSessionFile(file)).toBe(false);
  });
});

describe('reportingTokens', () => {
  it('reports the access and refresh tokens of each session read or written, and nothing else', async () => {
    const seen: string[] = [];
    const storage = reportingTokens(createFileSessionStorage(file), (token) => seen.push(token));
    await storage.setItem('s', JSON.stringify({ access_token: 'acc-1', refresh_token: 'ref-1', user: { id: 'u' } }));
    expect(await storage.getItem('s')).toContain('ref-1');
    await storage.setItem('other', 'not json');
    await storage.getItem('missing');
    expect(seen).toEqual(['acc-1', 'ref-1', 'acc-1', 'ref-1']);
  });
});
