import { mkdir, mkdtemp, realpath, rm, symlink } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { clientRootPaths, narrowRoots } from '../../../src/mcp/client-roots.js';

let dir: string;

beforeEach(async () => {
  dir = await realpath(await mkdtemp(path.join(os.tmpdir(), 'exai-roots-')));
  for (const sub of ['work/a', 'work/ab', 'other']) await mkdir(path.join(dir, sub), { recursive: true });
  await symlink(path.join(dir, 'other'), path.join(dir, 'work', 'out'));
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const roots = (...uris: string[]) => uris.map((uri) => ({ uri }));

describe('clientRootPaths', () => {
  it('keeps local file:// roots, realpath\'d, and reports every other one', async () => {
    const lines: string[] = [];
    const found = await clientRootPaths(
      [
        ...roots(pathToFileURL(path.join(dir, 'work/a')).href, `file://localhost${path.join(dir, 'work/ab')}`, pathToFileURL(path.join(dir, 'work/out')).href),
        ...roots('http://example.com/', 'file://evil.example/etc', 'file:///a%2Fb', 'file:///nul%00x', pathToFileURL(path.join(dir, 'nope')).href, 'relative/path'),
        { uri: 42 },
        'not an object',
        null,
      ],
      (line) => lines.push(line),
    );
    expect(found).toEqual([path.join(dir, 'work/a'), path.join(dir, 'work/ab'), path.join(dir, 'other')]);
    expect(lines).toHaveLength(9);
  });

  it('resolves dot segments and percent-encoding before the realpath', async () => {
    const found = await clientRootPaths(roots(`${pathToFileURL(path.join(dir, 'work')).href}/a/%2e%2e/../work/./a`), () => undefined);
    expect(found).toEqual([path.join(dir, 'work/a')]);
  });
});

describe('narrowRoots', () => {
  it('intersects: client roots inside the allowed ones, allowed ones inside the client\'s, never a sibling by prefix', async () => {
    const work = path.join(dir, 'work');
    expect(await narrowRoots([path.join(work, 'a')], false, [path.join(work, 'ab'), dir])).toEqual([path.join(work, 'a')]);
    expect(await narrowRoots([work], false, [path.join(work, 'a'), path.join(dir, 'other')])).toEqual([path.join(work, 'a')]);
    expect(await narrowRoots([work], false, [path.join(dir, 'other')])).toEqual([]);
  });

  it('with external paths allowed, the client\'s roots are the bound', async () => {
    expect(await narrowRoots([path.join(dir, 'work')], true, [path.join(dir, 'other')])).toEqual([path.join(dir, 'other')]);
  });
});
