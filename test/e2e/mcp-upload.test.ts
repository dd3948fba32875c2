/**
 * `exai mcp` uploads as an agent drives them: the same file asked for twice at once (one
 * provider upload), a call cancelled mid-upload (it stops and leaves no row, no quota and no
 * lock behind), progress for either kind of token and none for a client that asked for none,
 * and no API key in anything the client receives.
 */
import { rm } from 'node:fs/promises';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { listLocks } from '../../src/core/lock/index.js';
import { checkedSession, type CheckedSession } from '../helpers/mcp-conformance.js';
import type { RawReply } from '../helpers/raw-mcp.js';
import { createWorkspace, type Workspace } from '../helpers/workspace.js';
import { startEchoKeyProvider } from '../servers/echo-key-provider.js';
import { startFakeProvider, type FakeProvider } from '../servers/fake-provider.js';

const KEY = 'sk-mcp-upload-test-key-0123456789abcdef';
let ws: Workspace;
let fake: FakeProvider | undefined;
const sessions: CheckedSession[] = [];

beforeEach(async () => {
  ws = await createWorkspace();
});

afterEach(async () => {
  for (const session of sessions.splice(0)) if (session.raw.child.exitCode === null) await session.raw.end();
  await fake?.close();
  fake = undefined;
  await rm(ws.root, { recursive: true, force: true });
});

async function openKimi(): Promise<CheckedSession> {
  fake ??= await startFakeProvider({ kind: 'kimi', apiKey: KEY });
  const session = await checkedSession(ws, [], { MOONSHOT_API_KEY: KEY, EXAI_KIMI_BASE_URL: fake.url });
  sessions.push(session);
  return session;
}

const uploads = () => fake!.requests.filter((r) => r.method === 'POST').length;
const progressFor = (s: CheckedSession, token: string | number) =>
  s.raw.lines.map((l) => JSON.parse(l) as RawReply).filter((m) => m.method === 'notifications/progress' && m.params?.['progressToken'] === token);

describe('exai mcp uploads', () => {
  it('uploads a file asked for by two concurrent calls once, and both get its file id', async () => {
    await ws.file('report.md', '# report\n'.repeat(5000));
    const s = await openKimi();
    fake!.setLatency(100);
    const [a, b] = [s.start('upload_files', { paths: ['report.md'], provider: 'kimi' }), s.start('upload_files', { paths: ['./report.md'], provider: 'kimi' })];
    const rows = await Promise.all([a.result, b.result].map(async (r) => ((await r).structuredContent?.['files'] as Array<{ status: string; file_id: string }>)[0]!));
    expect(uploads()).toBe(1);
    expect(rows.map((r) => r.status).sort()).toEqual(['deduplicated', 'uploaded']);
    expect(rows[0]!.file_id).toBe(rows[1]!.file_id);
  });

  it('stops an upload the client cancels: no reply, no row, no quota, no lock, and the file uploads again', async () => {
    await ws.file('big.txt', 'line of text\n'.repeat(400_000));
    const s = await openKimi();
    fake!.setFaults([{ kind: 'slow-read', msPerChunk: 1000 }]);
    const call = s.start('upload_files', { paths: ['big.txt'], provider: 'kimi' }, { progressToken: 'cancel-me' });
    // It gets no reply: the session ends without one.
    call.result.catch(() => undefined);
    await s.raw.until(() => progressFor(s, 'cancel-me').some((m) => String(m.params?.['message']).startsWith('uploading')));
    fake!.setFaults([]);
    s.raw.send({ jsonrpc: '2.0', method: 'notifications/cancelled', params: { requestId: call.id, reason: 'user pressed stop' } });
    for (let i = 0; i < 200; i++) {
      const quota = (await s.call('get_quota', {})).structuredContent!;
      if (quota['uploading'] === 0) break;
      await new Promise((r) => setTimeout(r, 25));
    }
    expect((await s.call('get_quota', {})).structuredContent).toMatchObject({ uploading: 0, used_bytes: 0, files: 0 });
    expect((await s.call('list_files', { status: 'active' })).structuredContent).toEqual({ files: [] });
    expect(await listLocks(ws.stateDir, Date.now())).toEqual([]);
    const again = await s.call('upload_files', { paths: ['big.txt'], provider: 'kimi' });
    expect(again.structuredContent).toMatchObject({ files: [{ status: 'uploaded' }] });
    expect(await s.raw.end()).toBe(0);
    expect(s.raw.lines.some((l) => (JSON.parse(l) as RawReply).id === call.id)).toBe(false);
  });

  it('reports progress under a string or a number token, and none to a client that asked for none', async () => {
    await ws.file('a.md', 'a\n'.repeat(50_000));
    await ws.file('b.md', 'b\n'.repeat(50_000));
    await ws.file('c.md', 'c\n'.repeat(50_000));
    const s = await openKimi();
    await s.call('upload_files', { paths: ['a.md'], provider: 'kimi' }, { progressToken: 'tok-a' });
    await s.call('upload_files', { paths: ['b.md'], provider: 'kimi' }, { progressToken: 0 });
    await s.call('upload_files', { paths: ['c.md'], provider: 'kimi' });
    s.raw.send({ jsonrpc: '2.0', id: 'bad-token', method: 'tools/call', params: { name: 'get_quota', arguments: {}, _meta: { progressToken: { not: 'a token' } } } });
    expect((await s.raw.reply('bad-token')).error?.code).toBe(-32600);
    for (const token of ['tok-a', 0]) {
      const values = progressFor(s, token).map((m) => m.params?.['progress'] as number);
      expect(values.length).toBeGreaterThan(0);
      expect(values).toEqual([...values].sort((x, y) => x - y));
    }
    const all = s.raw.lines.map((l) => JSON.parse(l) as RawReply).filter((m) => m.method === 'notifications/progress');
    expect(all.every((m) => m.params?.['progressToken'] === 'tok-a' || m.params?.['progressToken'] === 0)).toBe(true);
  });

  it('never sends the API key to the client, even when a provider echoes it back', async () => {
    const echo = await startEchoKeyProvider((key) => ({ status: 401, contentType: 'application/json', body: JSON.stringify({ error: { message: `Invalid key ${key}`, key } }) }));
    try {
      await ws.file('a.md', 'a\n');
      const s = await checkedSession(ws, [], { MOONSHOT_API_KEY: KEY, EXAI_KIMI_BASE_URL: echo.url });
      sessions.push(s);
      const result = await s.call('upload_files', { paths: ['a.md'], provider: 'kimi' }, { progressToken: 1 });
      expect(JSON.stringify(result)).toMatch(/failed|AUTH/i);
      await s.call('list_files', {});
      expect(await s.raw.end()).toBe(0);
      expect(echo.count()).toBeGreaterThan(0);
      expect(s.raw.lines.join('\n')).not.toContain(KEY);
      expect(s.raw.lines.join('\n')).not.toContain(KEY.slice(0, 20));
      expect(s.raw.stderr()).not.toContain(KEY);
    } finally {
      await echo.close();
    }
  });

  it.each(['SIGTERM', 'SIGINT'] as const)('on %s mid-upload stops the upload cleanly and exits 130', async (signal) => {
    await ws.file('big.txt', 'line of text\n'.repeat(400_000));
    const s = await openKimi();
    fake!.setFaults([{ kind: 'slow-read', msPerChunk: 1000 }]);
    s.start('upload_files', { paths: ['big.txt'], provider: 'kimi' }, { progressToken: 'p' }).result.catch(() => undefined);
    await s.raw.until(() => progressFor(s, 'p').some((m) => String(m.params?.['message']).startsWith('uploading')));
    s.raw.child.kill(signal);
    const code = await new Promise<number | null>((resolve) => s.raw.child.on('close', resolve));
    expect(code).toBe(130);
    for (const line of s.raw.lines) expect((JSON.parse(line) as RawReply).jsonrpc).toBe('2.0');
    expect(await listLocks(ws.stateDir, Date.now())).toEqual([]);
    const after = await checkedSession(ws, [], { MOONSHOT_API_KEY: KEY, EXAI_KIMI_BASE_URL: fake!.url });
    sessions.push(after);
    expect((await after.call('get_quota', {})).structuredContent).toMatchObject({ uploading: 0, used_bytes: 0 });
  });
});
