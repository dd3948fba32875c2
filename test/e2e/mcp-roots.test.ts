/**
 * `exai mcp` and the client's MCP roots: asked for when the client declares the capability,
 * asked again after notifications/roots/list_changed, and only ever narrowing exai's allowed
 * roots (hostile URIs, symlinks out and roots wider than exai's widen nothing).
 */
import { mkdir, realpath, rm, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { initialize, INITIALIZED, rawSession, toolCall, type RawReply, type RawSession } from '../helpers/raw-mcp.js';
import { createWorkspace, type Workspace } from '../helpers/workspace.js';

let ws: Workspace;
let work: string;
const sessions: RawSession[] = [];

beforeEach(async () => {
  ws = await createWorkspace();
  work = await realpath(ws.cwd);
  await ws.file('a/in.md', 'a\n');
  await ws.file('b/other.md', 'b\n');
  await mkdir(path.join(ws.root, 'outside'));
  await writeFile(path.join(ws.root, 'outside', 'x.md'), 'x\n');
  await symlink(path.join(ws.root, 'outside'), path.join(ws.cwd, 'link'));
});

afterEach(async () => {
  for (const session of sessions.splice(0)) if (session.child.exitCode === null) await session.end();
  await rm(ws.root, { recursive: true, force: true });
});

async function open(capabilities: Record<string, unknown>): Promise<RawSession> {
  const s = rawSession(ws);
  sessions.push(s);
  s.send(initialize('init', '2025-06-18', capabilities));
  await s.reply('init');
  s.send(INITIALIZED);
  return s;
}

const messages = (s: RawSession) => s.lines.map((l) => JSON.parse(l) as RawReply);
const rootsRequests = (s: RawSession) => messages(s).filter((m) => m.method === 'roots/list');
const url = (p: string) => pathToFileURL(p).href;

/** Wait for the server's `n`th roots/list request and answer it with these URIs. */
async function answerRoots(s: RawSession, n: number, uris: string[]): Promise<void> {
  await s.until(() => rootsRequests(s).length >= n);
  s.send({ jsonrpc: '2.0', id: rootsRequests(s)[n - 1]!.id, result: { roots: uris.map((uri) => ({ uri, name: 'r' })) } });
}

/** A validate_files call's text (its structured result or its tool error). */
async function validate(s: RawSession, id: string, p: string): Promise<string> {
  s.send(toolCall(id, 'validate_files', { paths: [p] }));
  return JSON.stringify((await s.reply(id)).result);
}

async function description(s: RawSession, id: string): Promise<string> {
  s.send({ jsonrpc: '2.0', id, method: 'tools/list' });
  const tools = (await s.reply(id)).result?.['tools'] as Array<{ name: string; description: string }>;
  return tools.find((t) => t.name === 'validate_files')!.description;
}

describe('exai mcp: client roots', () => {
  it('narrows the allowed roots to the client’s, dropping hostile and outside roots', async () => {
    const s = await open({ roots: { listChanged: true } });
    const hostile = ['http://example.com/a', 'file://other-host/etc', 'not a uri', url(path.join(ws.root, 'outside')), url(path.join(ws.cwd, 'link')), 'file:///a%2Fb', url(path.join(ws.cwd, 'missing'))];
    await answerRoots(s, 1, [url(path.join(ws.cwd, 'a')), ...hostile]);
    const text = await description(s, 'list');
    expect(text).toContain(`allowed roots (${path.join(work, 'a')})`);
    expect(await validate(s, 'in', 'a/in.md')).toContain('"valid":1');
    const refused = await validate(s, 'other', 'b/other.md');
    expect(refused).toContain('PATH_OUTSIDE_ROOTS');
    expect(refused).toContain(path.join(work, 'a'));
    expect(await validate(s, 'out', '../outside/x.md')).toContain('PATH_OUTSIDE_ROOTS');
    expect(await validate(s, 'via-link', 'link/x.md')).not.toContain('"valid":1');
    expect(s.stderr()).toContain('ignoring client root "http://example.com/a"');
    expect(s.stderr()).toContain('ignoring client root "file://other-host/etc"');
    expect(await s.end()).toBe(0);
  });

  it('asks again after roots/list_changed, tells the client the tools changed, and applies the new roots', async () => {
    const s = await open({ roots: { listChanged: true } });
    await answerRoots(s, 1, [url(path.join(ws.cwd, 'a'))]);
    expect(await validate(s, 'b1', 'b/other.md')).toContain('PATH_OUTSIDE_ROOTS');
    s.send({ jsonrpc: '2.0', method: 'notifications/roots/list_changed' });
    await answerRoots(s, 2, [url(path.join(ws.cwd, 'b'))]);
    await s.until(() => messages(s).some((m) => m.method === 'notifications/tools/list_changed'));
    expect(await validate(s, 'b2', 'b/other.md')).toContain('"valid":1');
    expect(await validate(s, 'a2', 'a/in.md')).toContain('PATH_OUTSIDE_ROOTS');
    expect(await description(s, 'list')).toContain(`allowed roots (${path.join(work, 'b')})`);
  });

  it('refuses every path when the client’s roots share nothing with exai’s, and still serves the catalog', async () => {
    const s = await open({ roots: {} });
    await answerRoots(s, 1, [url(path.join(ws.root, 'outside')), 'https://example.com/']);
    expect(await validate(s, 'v', 'a/in.md')).toContain('share no directory');
    s.send(toolCall('c', 'get_file_content', { ref: 'a/in.md' }));
    expect(JSON.stringify(await s.reply('c'))).toContain('share no directory');
    s.send(toolCall('l', 'list_files', {}));
    expect((await s.reply('l')).result?.['structuredContent']).toEqual({ files: [] });
    expect(await description(s, 'list')).toContain('allowed roots (none');
  });

  it('never widens: a client root above exai’s roots leaves exai’s roots as they are', async () => {
    const s = await open({ roots: { listChanged: true } });
    await answerRoots(s, 1, [url(ws.root), url('/')]);
    expect(await validate(s, 'b', 'b/other.md')).toContain('"valid":1');
    expect(await validate(s, 'out', '../outside/x.md')).toContain('PATH_OUTSIDE_ROOTS');
    expect(await description(s, 'list')).toContain(`allowed roots (${work})`);
  });

  it.each([
    ['without the roots capability', {}, false],
    ['listing no roots', { roots: { listChanged: true } }, true],
  ])('keeps exai’s roots for a client %s', async (_what, capabilities, asked) => {
    const s = await open(capabilities);
    if (asked) await answerRoots(s, 1, []);
    expect(await validate(s, 'b', 'b/other.md')).toContain('"valid":1');
    expect(await validate(s, 'out', '../outside/x.md')).toContain('PATH_OUTSIDE_ROOTS');
    expect(await s.end()).toBe(0);
    expect(rootsRequests(s)).toHaveLength(asked ? 1 : 0);
  });
});
