/**
 * `exai mcp` driven as a real client drives it: the SDK's own Client and StdioClientTransport
 * spawning the built binary. One scenario over one session: initialize, list tools, validate
 * a good and hostile files, upload twice (the second a dedup hit), read content, list,
 * remove (refused without --allow-remove, allowed with it), quota.
 */
import { spawn } from 'node:child_process';
import { rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { elfBytes } from '../fixtures/files.js';
import { initialize, INITIALIZED, rawSession, toolCall, type RawReply } from '../helpers/raw-mcp.js';
import { BIN, createWorkspace, type Workspace } from '../helpers/workspace.js';

let ws: Workspace;
const clients: Client[] = [];

beforeEach(async () => {
  ws = await createWorkspace();
});

afterEach(async () => {
  for (const client of clients.splice(0)) await client.close();
  await rm(ws.root, { recursive: true, force: true });
});

async function connect(extraArgs: string[] = []): Promise<Client> {
  const transport = new StdioClientTransport({ command: process.execPath, args: [BIN, 'mcp', ...extraArgs], cwd: ws.cwd, env: ws.env, stderr: 'pipe' });
  const client = new Client({ name: 'exai-test', version: '1.0.0' });
  await client.connect(transport);
  clients.push(client);
  return client;
}

interface ToolResult {
  isError?: boolean;
  structuredContent?: Record<string, unknown>;
  content: Array<{ type: string; text?: string }>;
}

async function call(client: Client, name: string, args: Record<string, unknown>, onprogress?: () => void): Promise<ToolResult> {
  return (await client.callTool({ name, arguments: args }, undefined, onprogress ? { onprogress } : undefined)) as ToolResult;
}

function errorOf(result: ToolResult): { code: number; name: string; message: string; hint?: string } {
  expect(result.isError).toBe(true);
  return (JSON.parse(result.content[0]?.text ?? '{}') as { error: { code: number; name: string; message: string; hint?: string } }).error;
}

describe('exai mcp', () => {
  it('writes every progress notification before the result, the last one at 100%', async () => {
    // Raw lines, not the SDK's Client: it runs notification handlers a microtask late and drops
    // progress that reaches it in the same read as the result, so it can't show the order.
    const names = Array.from({ length: 40 }, (_, i) => `n${i}.md`);
    for (const name of names) await ws.file(name, `# note ${name}\n`);
    const s = rawSession(ws);
    s.send(initialize(1));
    s.send(INITIALIZED);
    s.send(toolCall(2, 'validate_files', { paths: names }, { progressToken: 'v' }));
    await s.reply(2);
    const messages = s.lines.map((l) => JSON.parse(l) as RawReply);
    const resultAt = messages.findIndex((m) => m.id === 2 && m.method === undefined);
    const progress = messages.flatMap((m, i) => (m.method === 'notifications/progress' && m.params?.['progressToken'] === 'v' ? [{ i, value: m.params['progress'] }] : []));
    expect(progress.length).toBeGreaterThan(0);
    expect(progress.every((p) => p.i < resultAt)).toBe(true);
    expect(progress.at(-1)?.value).toBe(names.length);
    expect(await s.end()).toBe(0);
  });

  it('serves the whole scenario over one session', async () => {
    await ws.file('notes.md', '# Notes\nfor the agent\n');
    await ws.file('setup.pdf', elfBytes());
    const outside = path.join(ws.root, 'outside.txt');
    await writeFile(outside, 'not yours\n');
    const client = await connect();

    const { tools } = await client.listTools();
    expect(tools.map((t) => t.name).sort()).toEqual(['get_file_content', 'get_quota', 'list_files', 'remove_files', 'upload_files', 'validate_files']);
    const remove = tools.find((t) => t.name === 'remove_files');
    expect(remove?.annotations?.destructiveHint).toBe(true);
    expect(tools.find((t) => t.name === 'upload_files')?.description).toContain(ws.cwd);
    for (const tool of tools) expect(tool.outputSchema?.type).toBe('object');

    // Progress is checked on raw lines above: the SDK's Client may drop what arrives with the result.
    const validated = await call(client, 'validate_files', { paths: ['notes.md', 'setup.pdf', outside] });
    expect(validated.structuredContent).toMatchObject({ valid: 1, rejected: 2 });
    const reasons = (validated.structuredContent?.['files'] as Array<{ path: string; errors: Array<{ name: string }> }>).map((f) => [path.basename(f.path), f.errors.map((e) => e.name)]);
    expect(reasons).toEqual(expect.arrayContaining([['setup.pdf', ['EXECUTABLE_CONTENT']], ['outside.txt', ['PATH_OUTSIDE_ROOTS']]]));

    const first = await call(client, 'upload_files', { paths: ['notes.md'] });
    const [uploaded] = first.structuredContent?.['files'] as Array<{ status: string; file_id: string }>;
    expect(uploaded?.status).toBe('uploaded');
    const second = await call(client, 'upload_files', { paths: ['notes.md'] });
    expect(second.structuredContent?.['files']).toMatchObject([{ status: 'deduplicated', file_id: uploaded?.file_id, deduplicated: true }]);
    const hostile = await call(client, 'upload_files', { paths: ['setup.pdf'] });
    expect(hostile.structuredContent?.['files']).toMatchObject([{ status: 'rejected' }]);

    const content = await call(client, 'get_file_content', { ref: uploaded!.file_id });
    expect(content.structuredContent).toMatchObject({ content: '# Notes\nfor the agent\n', provider: 'local', cached: false });

    const listed = await call(client, 'list_files', {});
    expect((listed.structuredContent?.['files'] as Array<{ file_id: string }>).map((f) => f.file_id)).toEqual([uploaded?.file_id]);

    const refused = errorOf(await call(client, 'remove_files', { refs: [uploaded!.file_id] }));
    expect(refused).toMatchObject({ name: 'OPERATION_NOT_ALLOWED', code: 1105 });
    expect(refused.hint).toContain('--allow-remove');
    expect((await call(client, 'get_quota', {})).structuredContent).toMatchObject({ files: 1, used_bytes: 22 });

    const admin = await connect(['--allow-remove']);
    const removed = await call(admin, 'remove_files', { refs: [uploaded!.file_id] });
    expect(removed.structuredContent).toMatchObject({ files: [{ deleted: true, file_id: uploaded?.file_id }], bytes_freed: 22 });
    expect((await call(client, 'get_quota', {})).structuredContent).toMatchObject({ files: 0, used_bytes: 0 });
  });

  it('re-reads the config file when it changes, between calls of one session', async () => {
    await ws.file('big.md', 'x'.repeat(2000));
    const client = await connect();
    const before = await call(client, 'validate_files', { paths: ['big.md'] });
    expect(before.structuredContent).toMatchObject({ valid: 1 });
    await ws.config({ maxFileSize: 1000 });
    const after = await call(client, 'validate_files', { paths: ['big.md'] });
    expect(after.structuredContent).toMatchObject({ valid: 0, files: [{ errors: [{ name: 'FILE_TOO_LARGE' }] }] });
    await ws.config({ maxFileSize: 'lots' });
    const broken = errorOf(await call(client, 'get_quota', {}));
    expect(broken.name).toBe('CONFIG_INVALID');
    await ws.config({});
    expect((await call(client, 'get_quota', {})).isError).toBeFalsy();
  });

  it('answers bad arguments and unknown tools with tool errors, never a crash', async () => {
    const client = await connect();
    expect(errorOf(await call(client, 'upload_files', { paths: 'notes.md' })).name).toBe('USAGE');
    expect(errorOf(await call(client, 'upload_files', { paths: ['a'], bogus: 1 })).message).toContain('bogus');
    expect(errorOf(await call(client, 'list_files', { limit: -1 })).name).toBe('USAGE');
    expect(errorOf(await call(client, 'no_such_tool', {})).name).toBe('USAGE');
    expect(errorOf(await call(client, 'get_file_content', { ref: 'deadbeef00' })).name).toBe('NOT_IN_CATALOG');
    expect((await call(client, 'get_quota', {})).isError).toBeFalsy();
  });

  it('writes nothing but JSON-RPC messages to stdout for a whole session', async () => {
    await ws.file('a.md', 'a\n');
    const child = spawn(process.execPath, [BIN, 'mcp'], { cwd: ws.cwd, env: ws.env, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
    const messages = [
      { jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 't', version: '1' } } },
      { jsonrpc: '2.0', method: 'notifications/initialized' },
      { jsonrpc: '2.0', id: 2, method: 'tools/list' },
      { jsonrpc: '2.0', id: 3, method: 'tools/call', params: { name: 'upload_files', arguments: { paths: ['a.md'] }, _meta: { progressToken: 7 } } },
      { jsonrpc: '2.0', id: 4, method: 'tools/call', params: { name: 'validate_files', arguments: { paths: ['../../etc/passwd'] } } },
      { jsonrpc: '2.0', id: 5, method: 'tools/call', params: { name: 'list_files', arguments: {} } },
    ];
    for (const message of messages) child.stdin.write(`${JSON.stringify(message)}\n`);
    await waitFor(() => stdout.split('\n').filter((l) => l.includes('"id":5')).length > 0);
    child.stdin.end();
    expect(await exited).toBe(0);
    const lines = stdout.split('\n').filter((l) => l !== '');
    for (const line of lines) expect((JSON.parse(line) as { jsonrpc: string }).jsonrpc).toBe('2.0');
    expect(lines.filter((l) => l.includes('"id"')).length).toBe(5);
  });
});

async function waitFor(check: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !check(); i++) await new Promise((r) => setTimeout(r, 25));
  expect(check()).toBe(true);
}
