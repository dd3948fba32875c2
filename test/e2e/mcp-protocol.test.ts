/**
 * `exai mcp` against clients we have not seen: raw JSON-RPC lines to the built binary, from
 * the versions a client may ask for to lines no client should send. Every request gets an
 * answer the spec allows, the session survives, and stdout carries nothing but JSON-RPC.
 */
import { rm } from 'node:fs/promises';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { initialize, INITIALIZED, rawSession, toolCall, type RawReply, type RawSession } from '../helpers/raw-mcp.js';
import { createWorkspace, type Workspace } from '../helpers/workspace.js';

let ws: Workspace;
const sessions: RawSession[] = [];

beforeEach(async () => {
  ws = await createWorkspace();
});

afterEach(async () => {
  for (const session of sessions.splice(0)) if (session.child.exitCode === null) await session.end();
  await rm(ws.root, { recursive: true, force: true });
});

function open(args: string[] = [], env: Record<string, string> = {}): RawSession {
  const session = rawSession(ws, args, env);
  sessions.push(session);
  return session;
}

const ping = (id: number | string) => ({ jsonrpc: '2.0', id, method: 'ping' });

describe('exai mcp: protocol versions', () => {
  it.each([
    ['2024-11-05', '2024-11-05'],
    ['2025-03-26', '2025-03-26'],
    ['2025-06-18', '2025-06-18'],
    ['2099-01-01', '2025-11-25'],
  ])('a client asking for %s is answered with %s and then served', async (asked, answered) => {
    await ws.file('a.md', 'a\n');
    const s = open();
    s.send(initialize(1, asked));
    expect((await s.reply(1)).result?.['protocolVersion']).toBe(answered);
    s.send(INITIALIZED);
    s.send(toolCall(2, 'validate_files', { paths: ['a.md'] }));
    expect((await s.reply(2)).result?.['structuredContent']).toMatchObject({ valid: 1 });
    expect(await s.end()).toBe(0);
  });
});

describe('exai mcp: lifecycle and odd messages', () => {
  it('refuses work before initialize, answers ping, unknown methods and notifications sent with an id', async () => {
    const s = open();
    s.send(toolCall('early', 'get_quota', {}));
    s.send({ jsonrpc: '2.0', id: 0, method: 'tools/list' });
    s.send(ping(1));
    expect(await s.reply('early')).toMatchObject({ error: { code: -32000, message: expect.stringContaining('initialize') } });
    expect(await s.reply(0)).toMatchObject({ error: { code: -32000 } });
    expect(await s.reply(1)).toMatchObject({ result: {} });
    s.send({ jsonrpc: '2.0', id: 'bad-init', method: 'initialize', params: { protocolVersion: 20250618, capabilities: {}, clientInfo: { name: 'x', version: '1' } } });
    expect(await s.reply('bad-init')).toMatchObject({ error: { code: -32602, message: expect.stringContaining('params.protocolVersion') } });
    s.send(initialize(2));
    await s.reply(2);
    s.send({ jsonrpc: '2.0', id: 'level', method: 'logging/setLevel', params: { level: 'loud' } });
    expect(await s.reply('level')).toMatchObject({ error: { code: -32602, message: expect.stringContaining('params.level') } });
    s.send(INITIALIZED);
    s.send({ jsonrpc: '2.0', id: 3, method: 'bogus/method' });
    s.send({ jsonrpc: '2.0', id: 4, method: 'notifications/initialized' });
    expect((await s.reply(3)).error?.code).toBe(-32601);
    expect((await s.reply(4)).error?.code).toBe(-32601);
    s.send(toolCall(5, 'get_quota', {}));
    expect((await s.reply(5)).result?.['structuredContent']).toMatchObject({ files: 0 });
    expect(await s.end()).toBe(0);
  });

  it('answers malformed, non-JSON-RPC, invalid UTF-8, CRLF and oversized lines, and keeps serving', async () => {
    const s = open();
    s.send(initialize(1));
    await s.reply(1);
    s.send(INITIALIZED);
    s.send('{not json\n');
    s.send('"a string"\nnull\n');
    s.send(`${JSON.stringify({ jsonrpc: '1.0', id: 2, method: 'ping' })}\n`);
    s.send(`${JSON.stringify({ id: 3, method: 'ping' })}\n`);
    s.send(Buffer.concat([Buffer.from('{"jsonrpc":"2.0","id":4,"method":"tools/call","params":{"name":"validate_files","arguments":{"paths":["'), Buffer.from([0xff, 0xfe]), Buffer.from('.md"]}}}\n')]));
    s.send(`${JSON.stringify(ping(5))}\r\n`);
    s.send(`${JSON.stringify(toolCall(6, 'validate_files', { paths: ['x'.repeat(9 * 1024 * 1024)] }))}\n`);
    s.send(`\n   \n${JSON.stringify(ping(7))}\n`);
    expect(await s.reply(7)).toMatchObject({ result: {} });
    expect(await s.reply(5)).toMatchObject({ result: {} });
    expect(await s.reply(2)).toMatchObject({ error: { code: -32600 } });
    expect(await s.reply(3)).toMatchObject({ error: { code: -32600 } });
    const anonymous = (await s.until(() => true)).filter((m): m is RawReply => (m as RawReply).id === null).map((m) => [m.error?.code, m.error?.message]);
    expect(anonymous).toEqual([
      [-32700, 'Parse error: not JSON'],
      [-32600, expect.stringContaining('Invalid Request')],
      [-32600, expect.stringContaining('Invalid Request')],
      [-32700, 'message is not valid UTF-8'],
      [-32600, expect.stringContaining('longer than')],
    ]);
    // The path with invalid bytes was refused whole, never "repaired" into another file's name.
    expect(s.lines.some((l) => l.includes('"id":4'))).toBe(false);
    expect(await s.end()).toBe(0);
    for (const line of s.lines) expect((JSON.parse(line) as RawReply).jsonrpc).toBe('2.0');
  });

  it('serves a batch as one array to a 2025-03-26 client and refuses batches from later revisions', async () => {
    const old = open();
    old.send(initialize(1, '2025-03-26'));
    old.send(`${JSON.stringify([INITIALIZED])}\n`);
    old.send(`${JSON.stringify([ping(2), toolCall(3, 'get_quota', {}), { jsonrpc: '2.0', id: 4, method: 'nope' }, { jsonrpc: '2.0', method: 'notifications/whatever' }])}\n`);
    old.send('[]\n');
    const batch = (await old.until((m) => m.some(Array.isArray))).find(Array.isArray) as RawReply[];
    expect(batch.map((r) => r.id).sort()).toEqual([2, 3, 4]);
    expect(batch.find((r) => r.id === 4)?.error?.code).toBe(-32601);
    expect(batch.find((r) => r.id === 3)?.result?.['structuredContent']).toMatchObject({ files: 0 });
    expect(await old.reply(null)).toMatchObject({ error: { code: -32600, message: expect.stringContaining('empty batch') } });

    const current = open();
    current.send(initialize(1, '2025-06-18'));
    current.send(`${JSON.stringify([ping(2)])}\n`);
    expect(await current.reply(null)).toMatchObject({ error: { code: -32600, message: expect.stringContaining('2025-06-18') } });
    expect(current.lines.some((l) => l.includes('"id":2'))).toBe(false);
  });

  it('answers a call already sent when the client closes stdin (even one without its newline), then exits 0', async () => {
    await ws.file('a.md', 'a\n');
    const s = open();
    s.send(initialize(1));
    s.send(INITIALIZED);
    // The last message has no newline: the end of the input ends it.
    s.send(JSON.stringify(toolCall(2, 'upload_files', { paths: ['a.md'] }, { progressToken: 'p-1' })));
    expect(await s.end()).toBe(0);
    const reply = s.lines.map((l) => JSON.parse(l) as RawReply).find((m) => m.id === 2);
    expect(reply?.result?.['structuredContent']).toMatchObject({ files: [{ status: 'uploaded' }] });
  });

  it('keeps warnings on stderr: stdout carries JSON-RPC only, also when the config changes mid-session', async () => {
    await ws.file('a.md', 'a\n');
    await ws.config({ notAKey: 1 });
    const s = open([], { MOONSHOT_API_KEY: 'sk-one-0123456789abcdef', KIMI_API_KEY: 'sk-two-0123456789abcdef' });
    s.send(initialize(1));
    s.send(INITIALIZED);
    s.send(toolCall(2, 'upload_files', { paths: ['a.md'], provider: 'local' }, { progressToken: 2 }));
    await s.reply(2);
    await ws.config({ alsoNotAKey: true });
    s.send(toolCall(3, 'list_files', {}));
    await s.reply(3);
    expect(await s.end()).toBe(0);
    for (const line of s.lines) expect((JSON.parse(line) as RawReply).jsonrpc).toBe('2.0');
    expect(s.stderr()).toContain('notAKey');
    expect(s.stderr()).toContain('alsoNotAKey');
    expect(s.lines.join('\n')).not.toContain('sk-one-0123456789abcdef');
    expect(s.stderr()).not.toContain('sk-two-0123456789abcdef');
  });

  it('stops quietly when the client stops reading its output', async () => {
    const s = open();
    s.send(initialize(1));
    await s.reply(1);
    s.child.stdout.destroy();
    s.child.stdin.on('error', () => undefined);
    for (let i = 0; i < 50; i++) s.send(toolCall(10 + i, 'list_files', {}));
    const code = await new Promise<number | null>((resolve) => s.child.on('close', resolve));
    expect(code).toBe(0);
    expect(s.stderr()).not.toMatch(/Warning|Error|at /);
  });
});
