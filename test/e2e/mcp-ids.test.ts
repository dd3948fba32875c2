/**
 * `exai mcp` and request ids a client reuses while the first request with that id is still
 * running: the duplicate is refused, the first keeps running and gets its own reply, and a
 * cancellation naming the id still stops the first.
 */
import { rm } from 'node:fs/promises';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { initialize, INITIALIZED, rawSession, toolCall, type RawReply, type RawSession } from '../helpers/raw-mcp.js';
import { createWorkspace, type Workspace } from '../helpers/workspace.js';
import { startFakeProvider, type FakeProvider } from '../servers/fake-provider.js';

const KEY = 'sk-mcp-ids-test-key-0123456789abcdef';
let ws: Workspace;
let fake: FakeProvider | undefined;
const sessions: RawSession[] = [];

beforeEach(async () => {
  ws = await createWorkspace();
});

afterEach(async () => {
  for (const session of sessions.splice(0)) if (session.child.exitCode === null) await session.end();
  await fake?.close();
  fake = undefined;
  await rm(ws.root, { recursive: true, force: true });
});

async function open(version = '2025-06-18'): Promise<RawSession> {
  fake ??= await startFakeProvider({ kind: 'kimi', apiKey: KEY });
  const s = rawSession(ws, [], { MOONSHOT_API_KEY: KEY, EXAI_KIMI_BASE_URL: fake.url });
  sessions.push(s);
  s.send(initialize('init', version));
  await s.reply('init');
  s.send(INITIALIZED);
  return s;
}

const messages = (s: RawSession) => s.lines.map((l) => JSON.parse(l) as RawReply);
const repliesTo = (s: RawSession, id: string | number) => messages(s).filter((m) => m.method === undefined && m.id === id);

/**
 * An upload under `id` held mid-flight by a provider that reads a chunk (~64 KiB) every
 * `msPerChunk`: 200 KB finish on their own a few seconds later, 5 MB only when cancelled.
 */
async function slowUpload(s: RawSession, id: string | number, lines = 15_000, msPerChunk = 400): Promise<void> {
  await ws.file('big.txt', 'line of text\n'.repeat(lines));
  fake!.setFaults([{ kind: 'slow-read', msPerChunk }]);
  s.send(toolCall(id, 'upload_files', { paths: ['big.txt'], provider: 'kimi' }, { progressToken: `p-${id}` }));
  await s.until((all) =>
    all.some((m) => {
      const note = m as RawReply;
      return note.method === 'notifications/progress' && note.params?.['progressToken'] === `p-${id}` && String(note.params?.['message']).startsWith('uploading');
    }),
  );
}

async function quota(s: RawSession, id: string): Promise<Record<string, unknown>> {
  s.send(toolCall(id, 'get_quota', {}));
  return (await s.reply(id)).result?.['structuredContent'] as Record<string, unknown>;
}

describe('exai mcp: a request id reused while its request runs', () => {
  it('refuses the duplicate and still answers the first with its own result', async () => {
    const s = await open();
    await slowUpload(s, 'job');
    s.send(toolCall('job', 'get_quota', {}));
    s.send({ jsonrpc: '2.0', id: 'job', method: 'ping' });
    await s.until(() => repliesTo(s, 'job').length === 2);
    for (const reply of repliesTo(s, 'job')) expect(reply.error).toMatchObject({ code: -32600, message: expect.stringContaining('"job" is already in use') });
    await s.until(() => repliesTo(s, 'job').length === 3);
    const first = repliesTo(s, 'job')[2]!;
    expect(first.result?.['structuredContent']).toMatchObject({ files: [{ path: expect.stringContaining('big.txt'), status: 'uploaded' }] });
    expect(fake!.requests.filter((r) => r.method === 'POST')).toHaveLength(1);
    // Once answered, the id is free again.
    s.send({ jsonrpc: '2.0', id: 'job', method: 'ping' });
    await s.until(() => repliesTo(s, 'job').length === 4);
    expect(repliesTo(s, 'job')[3]).toMatchObject({ result: {} });
    expect(await s.end()).toBe(0);
  });

  it('lets a cancellation naming the id stop the first request, not the refused duplicate', async () => {
    const s = await open();
    await slowUpload(s, 7, 400_000, 1000);
    s.send(toolCall(7, 'list_files', {}));
    await s.until(() => repliesTo(s, 7).length === 1);
    fake!.setFaults([]);
    s.send({ jsonrpc: '2.0', method: 'notifications/cancelled', params: { requestId: 7, reason: 'stop' } });
    let seen = await quota(s, 'q0');
    for (let i = 1; i < 200 && seen['uploading'] !== 0; i++) seen = await quota(s, `q${i}`);
    expect(seen).toMatchObject({ uploading: 0, used_bytes: 0, files: 0 });
    expect(await s.end()).toBe(0);
    // The only reply under id 7 is the refusal: the cancelled upload sends none.
    expect(repliesTo(s, 7)).toEqual([expect.objectContaining({ error: expect.objectContaining({ code: -32600 }) })]);
  });

  it('puts the refusal of a duplicate inside a batch into that batch’s array (2025-03-26)', async () => {
    const s = await open('2025-03-26');
    await slowUpload(s, 1);
    s.send(`${JSON.stringify([{ jsonrpc: '2.0', id: 1, method: 'ping' }, { jsonrpc: '2.0', id: 2, method: 'ping' }, { jsonrpc: '2.0', id: 2, method: 'ping' }])}\n`);
    const batch = (await s.until((all) => all.some(Array.isArray))).find(Array.isArray) as RawReply[];
    expect(batch).toHaveLength(3);
    expect(batch.filter((r) => r.id === 1).map((r) => r.error?.code)).toEqual([-32600]);
    expect(batch.filter((r) => r.id === 2).map((r) => r.error?.code ?? 'ok').sort()).toEqual([-32600, 'ok']);
    s.send(`${JSON.stringify([{ jsonrpc: '2.0', id: 1, method: 'ping' }])}\n`);
    await s.until((all) => all.filter(Array.isArray).length === 2);
    await s.until(() => repliesTo(s, 1).some((r) => r.result !== undefined));
    expect(repliesTo(s, 1)[0]?.result?.['structuredContent']).toMatchObject({ files: [{ status: 'uploaded' }] });
  });
});
