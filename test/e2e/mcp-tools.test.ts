/**
 * `exai mcp` tool calls from a careless or hostile client: wrong arguments, paths that escape
 * the roots, symlinks, thousands of paths, globs that match nothing. Every result is checked
 * against the tool's outputSchema; every failure is a tool error naming exai's code.
 */
import { mkdir, rm, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { elfBytes } from '../fixtures/files.js';
import { checkedSession, type CheckedSession } from '../helpers/mcp-conformance.js';
import { createWorkspace, type Workspace } from '../helpers/workspace.js';

let ws: Workspace;
const sessions: CheckedSession[] = [];

beforeEach(async () => {
  ws = await createWorkspace();
});

afterEach(async () => {
  for (const session of sessions.splice(0)) if (session.raw.child.exitCode === null) await session.raw.end();
  await rm(ws.root, { recursive: true, force: true });
});

async function open(args: string[] = [], env: Record<string, string> = {}): Promise<CheckedSession> {
  const session = await checkedSession(ws, args, env);
  sessions.push(session);
  return session;
}

type Report = { path: string; valid: boolean; errors: Array<{ name: string }> };
const reportsOf = (result: { structuredContent?: Record<string, unknown> }) => result.structuredContent?.['files'] as Report[];

describe('exai mcp tools: arguments', () => {
  it('refuses unknown tools, wrong types and extra properties with USAGE tool errors, and still serves', async () => {
    const s = await open();
    expect(await s.fail('no_such_tool', {})).toMatchObject({ name: 'USAGE', code: 1101 });
    expect(await s.fail('validate_files', { paths: 'a.md' })).toMatchObject({ name: 'USAGE' });
    expect(await s.fail('validate_files', { paths: [1, 2] })).toMatchObject({ name: 'USAGE' });
    expect(await s.fail('validate_files', { paths: [''] })).toMatchObject({ name: 'USAGE' });
    expect(await s.fail('validate_files', {})).toMatchObject({ name: 'USAGE' });
    expect(await s.fail('validate_files', ['a.md'])).toMatchObject({ name: 'USAGE' });
    expect((await s.fail('validate_files', { paths: ['a.md'], recursive: true })).message).toContain('recursive');
    expect(await s.fail('upload_files', { paths: ['a.md'], dry_run: 'yes' })).toMatchObject({ name: 'USAGE' });
    expect(await s.fail('upload_files', { paths: ['a.md'], provider: 'openai' })).toMatchObject({ name: 'USAGE' });
    expect(await s.fail('list_files', { limit: 1.5 })).toMatchObject({ name: 'USAGE' });
    expect(await s.fail('list_files', { since: 'yesterday' })).toMatchObject({ name: 'USAGE' });
    expect(await s.fail('get_file_content', { ref: 42 })).toMatchObject({ name: 'USAGE' });
    expect(await s.fail('get_quota', { verbose: true })).toMatchObject({ name: 'USAGE' });
    expect(await s.fail('constructor', {})).toMatchObject({ name: 'USAGE', message: expect.stringContaining('unknown tool') });
    expect(await s.fail('__proto__', {})).toMatchObject({ name: 'USAGE' });
    s.raw.send({ jsonrpc: '2.0', id: 'no-name', method: 'tools/call', params: { arguments: {} } });
    s.raw.send({ jsonrpc: '2.0', id: 'no-params', method: 'tools/call' });
    expect((await s.raw.reply('no-name')).error?.code).toBe(-32602);
    expect((await s.raw.reply('no-params')).error?.code).toBe(-32602);
    expect((await s.call('get_quota', {})).isError).toBeFalsy();
  });

  it('says in every path-taking tool what relative paths are relative to', async () => {
    const s = await open();
    for (const name of ['validate_files', 'upload_files']) {
      const tool = s.tools.find((t) => t.name === name)!;
      const paths = (tool.inputSchema['properties'] as Record<string, { description: string }>)['paths']!;
      expect(paths.description).toContain(ws.cwd);
      expect(tool.description).toContain(ws.cwd);
    }
  });

  it('answers paths shaped like credentials or escapes with rejected rows, never an internal error', async () => {
    const s = await open();
    const odd = ['x:\nb:c@d.md', 'https://user:pw@host/a.md', 'a\\:b:c@d', 'sk-looks-like-a-key-0123456789.md', '"quoted".md', '\u0000nul.md'];
    const result = await s.call('validate_files', { paths: odd });
    expect(result.isError).toBeFalsy();
    expect(result.structuredContent).toMatchObject({ valid: 0, rejected: odd.length });
    expect(JSON.stringify(result)).not.toContain('sk-looks-like-a-key');
  });

  it('takes 1000 paths and refuses 1001 without touching a file', async () => {
    const s = await open();
    const many = Array.from({ length: 1000 }, (_, i) => `missing-${i}.md`);
    const result = await s.call('validate_files', { paths: many });
    expect(result.structuredContent).toMatchObject({ valid: 0, rejected: 1000 });
    expect(await s.fail('validate_files', { paths: [...many, 'one-more.md'] })).toMatchObject({ name: 'USAGE' });
  });
});

describe('exai mcp tools: paths', () => {
  it('refuses paths outside the roots, however they are spelled, and symlinks', async () => {
    await ws.file('inside.md', 'in\n');
    await writeFile(path.join(ws.root, 'outside.md'), 'out\n');
    await symlink(path.join(ws.root, 'outside.md'), path.join(ws.cwd, 'link-out.md'));
    await symlink(path.join(ws.cwd, 'inside.md'), path.join(ws.cwd, 'link-in.md'));
    await mkdir(path.join(ws.cwd, 'sub'));
    await symlink(ws.root, path.join(ws.cwd, 'sub', 'up'));
    const s = await open();
    const spelled = ['../outside.md', path.join(ws.root, 'outside.md'), `sub/../../outside.md`, 'link-out.md', 'link-in.md', 'sub/up/outside.md', '/etc/passwd'];
    const result = await s.call('validate_files', { paths: spelled });
    // The three spellings of outside.md are one file, reported once.
    expect(result.structuredContent).toMatchObject({ valid: 0, rejected: 5 });
    const reasons = Object.fromEntries(reportsOf(result).map((r) => [r.path, r.errors.map((e) => e.name)]));
    expect(reasons).toEqual({
      '../outside.md': ['PATH_OUTSIDE_ROOTS'],
      'link-out.md': ['PATH_OUTSIDE_ROOTS'],
      'link-in.md': ['SYMLINK_REJECTED'],
      'sub/up/outside.md': ['PATH_OUTSIDE_ROOTS'],
      '/etc/passwd': ['PATH_OUTSIDE_ROOTS'],
    });
    const uploaded = await s.call('upload_files', { paths: ['inside.md', ...spelled] });
    expect(reportsOf(uploaded).every((row) => (row as unknown as { status: string }).status !== 'uploaded')).toBe(true);
    expect((await s.call('list_files', {})).structuredContent).toEqual({ files: [] });
  });

  it('will not read or remove by a path outside the roots, even one whose content was uploaded', async () => {
    await ws.file('a.md', 'same\n');
    await writeFile(path.join(ws.root, 'out.md'), 'same\n');
    await symlink(path.join(ws.root, 'out.md'), path.join(ws.cwd, 'link.md'));
    const s = await open(['--allow-remove']);
    await s.call('upload_files', { paths: ['a.md'] });
    for (const ref of ['../out.md', 'link.md', path.join(ws.root, 'out.md')]) {
      expect(await s.fail('get_file_content', { ref })).toMatchObject({ name: 'PATH_OUTSIDE_ROOTS' });
    }
    const removed = await s.call('remove_files', { refs: ['../out.md', 'link.md'] });
    expect(removed.structuredContent).toMatchObject({ bytes_freed: 0, files: [{ deleted: false, error: { name: 'PATH_OUTSIDE_ROOTS' } }, { deleted: false }] });
    expect((await s.call('get_quota', {})).structuredContent).toMatchObject({ files: 1 });
  });

  it('resolves relative paths against the server\'s working directory, and names a glob that matches nothing', async () => {
    await ws.file('docs/a.md', 'a\n');
    const s = await open();
    const result = await s.call('validate_files', { paths: ['docs/a.md', './docs/../docs/a.md', path.join(ws.cwd, 'docs/a.md')] });
    expect(result.structuredContent).toMatchObject({ valid: 1, rejected: 0, files: [{ path: 'docs/a.md', valid: true }] });
    const none = await s.fail('upload_files', { paths: ['docs/a.md', 'docs/*.pdf'] });
    expect(none).toMatchObject({ name: 'NO_FILES', message: expect.stringContaining('docs/*.pdf') });
    expect((await s.call('list_files', {})).structuredContent).toEqual({ files: [] });
  });
});

describe('exai mcp tools: every result matches its outputSchema', () => {
  it('in each tool\'s success, partial and refused cases', async () => {
    await ws.file('notes.md', '# notes\n');
    await ws.file('other.md', '# other\n');
    await ws.file('setup.pdf', elfBytes());
    const s = await open(['--allow-remove']);
    await s.call('validate_files', { paths: ['notes.md', 'setup.pdf', 'missing.md'], max_size: '1KB' });
    await s.call('upload_files', { paths: ['notes.md', 'other.md'], dry_run: true });
    await s.call('upload_files', { paths: ['notes.md', 'setup.pdf'] });
    const uploaded = await s.call('upload_files', { paths: ['notes.md', 'other.md'], purpose: 'file-extract' });
    const [row] = uploaded.structuredContent?.['files'] as Array<{ file_id: string; sha256: string }>;
    expect(await s.call('get_file_content', { ref: row!.file_id })).toMatchObject({ structuredContent: { content: '# notes\n', cached: false } });
    await s.call('get_file_content', { ref: row!.sha256.slice(0, 8) });
    await s.call('get_file_content', { ref: './notes.md' });
    await s.call('list_files', { provider: 'local', status: 'active', since: '2000-01-01', limit: 1 });
    await s.call('get_quota', {});
    await s.call('remove_files', { refs: [row!.file_id, 'nothing-like-this'], dry_run: true });
    await s.call('remove_files', { refs: ['other.md', 'deadbeef99'] });
    await s.call('list_files', { status: 'deleted' });
    await s.fail('upload_files', { paths: ['notes.md'], purpose: 'fine-tune' });
    expect(await s.raw.end()).toBe(0);
  });
});

describe('exai mcp tools: notices and a config broken mid-session', () => {
  it('tells the client as an MCP log message when files go to the local provider, at the level it set', async () => {
    await ws.file('a.md', 'a\n');
    await ws.file('b.md', 'b\n');
    const s = await open();
    const messages = () => s.raw.lines.map((l) => JSON.parse(l) as { method?: string; params?: { level: string; data: string } }).filter((m) => m.method === 'notifications/message');
    await s.call('upload_files', { paths: ['a.md'] });
    expect(messages()).toEqual([expect.objectContaining({ params: { level: 'notice', logger: 'exai', data: expect.stringContaining('local provider') } })]);
    s.raw.send({ jsonrpc: '2.0', id: 'level', method: 'logging/setLevel', params: { level: 'error' } });
    await s.raw.reply('level');
    await s.call('upload_files', { paths: ['b.md'] });
    expect(messages()).toHaveLength(1);
    expect(await s.raw.end()).toBe(0);
    expect(s.raw.stderr().match(/local provider/g)).toHaveLength(2);
  });

  it('keeps listing tools when the config breaks mid-session, and never echoes a key-shaped value from it', async () => {
    const secret = 'sk-pasted-into-the-wrong-key-0123456789';
    const s = await open();
    await ws.config({ maxFileSize: secret, allowedPaths: [`relative/${secret}`] });
    s.raw.send({ jsonrpc: '2.0', id: 'list', method: 'tools/list' });
    expect((await s.raw.reply('list')).result?.['tools']).toHaveLength(6);
    expect(await s.fail('get_quota', {})).toMatchObject({ name: 'CONFIG_INVALID', message: expect.stringContaining('maxFileSize') });
    expect(await s.raw.end()).toBe(0);
    expect(s.raw.lines.join('\n')).not.toContain(secret);
  });
});
