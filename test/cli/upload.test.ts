/**
 * `exai upload` in-process through main(): real fake-provider servers on 127.0.0.1, a real
 * SQLite catalog in a temp dir, and a fake clock so retry back-offs cost no wall time.
 */
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startFakeProvider, type FakeProvider } from '../servers/fake-provider.js';
import { createFakeClock } from '../servers/upload-fixtures.js';
import { createWorkspace, type Workspace } from '../helpers/workspace.js';
import { acquireLock } from '../../src/core/lock/index.js';
import { createHash } from 'node:crypto';

const KIMI_KEY = 'sk-kimi-test-secret-0123456789abcdef';
const GLM_KEY = 'glm-test-secret-fedcba9876543210.abcdef';
const servers: FakeProvider[] = [];

afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

async function kimi(options: Partial<Parameters<typeof startFakeProvider>[0]> = {}): Promise<FakeProvider> {
  const server = await startFakeProvider({ kind: 'kimi', apiKey: KIMI_KEY, ...options });
  servers.push(server);
  return server;
}

async function glm(options: Partial<Parameters<typeof startFakeProvider>[0]> = {}): Promise<FakeProvider> {
  const server = await startFakeProvider({ kind: 'glm', apiKey: GLM_KEY, ...options });
  servers.push(server);
  return server;
}

function kimiEnv(server: FakeProvider): Record<string, string> {
  return { MOONSHOT_API_KEY: KIMI_KEY, EXAI_KIMI_BASE_URL: server.url };
}

function glmEnv(server: FakeProvider): Record<string, string> {
  return { ZAI_API_KEY: GLM_KEY, EXAI_GLM_BASE_URL: server.url };
}

const uploads = (server: FakeProvider) => server.requests.filter((r) => r.method === 'POST').length;

async function workspaceWithPdf(): Promise<Workspace> {
  const ws = await createWorkspace();
  await ws.file('report.pdf', await readFile(path.resolve('examples/report.pdf')));
  await ws.config({ retry: { maxAttempts: 4, baseDelayMs: 1, maxDelayMs: 5 } });
  return ws;
}

type Row = { path: string; provider: string; file_id: string; status: string; deduplicated: boolean; error?: { name: string } };

describe('exai upload (embedded default)', () => {
  it('uploads to the local provider when no key is set, says so, and deduplicates the next run', async () => {
    const ws = await workspaceWithPdf();
    const first = await ws.main(['upload', 'report.pdf']);
    expect(first.code).toBe(0);
    expect(first.stderr).toContain('using the local provider');
    expect(first.stdout).toMatch(/✓ report\.pdf {2}local {2}local-[0-9a-f]+ {2}600 B {2}uploaded/);
    const second = await ws.main(['upload', 'report.pdf', '--json']);
    expect(second.code).toBe(0);
    const [row] = JSON.parse(second.stdout) as Row[];
    expect(row).toMatchObject({ path: 'report.pdf', provider: 'local', status: 'deduplicated', deduplicated: true, size: 600, mime_type: 'application/pdf', purpose: 'file-extract' });
  });

  it('validates first: one bad file means exit 3 and nothing is sent', async () => {
    const ws = await workspaceWithPdf();
    const server = await kimi();
    await ws.file('tool.pdf', Buffer.from([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, 0, 0, 0]));
    const result = await ws.main(['upload', 'report.pdf', 'tool.pdf', '--json'], { env: kimiEnv(server) });
    expect(result.code).toBe(3);
    const rows = JSON.parse(result.stdout) as Row[];
    expect(rows.find((r) => r.path === 'tool.pdf')).toMatchObject({ status: 'rejected', error: { name: 'EXECUTABLE_CONTENT' } });
    expect(rows.find((r) => r.path === 'report.pdf')?.status).toBe('skipped');
    expect(server.requests).toHaveLength(0);
  });

  it('--dry-run plans without a request or a catalog row', async () => {
    const ws = await workspaceWithPdf();
    const server = await kimi();
    const dry = await ws.main(['upload', 'report.pdf', '--dry-run'], { env: kimiEnv(server) });
    expect(dry.code).toBe(0);
    expect(dry.stdout).toContain('would upload to kimi (file-extract)');
    expect(server.requests).toHaveLength(0);
    const real = await ws.main(['upload', 'report.pdf', '--json'], { env: kimiEnv(server) });
    expect((JSON.parse(real.stdout) as Row[])[0]?.status).toBe('uploaded');
  });
});

describe('exai upload and the hash cache', () => {
  it('small files never open it (the file stays empty); a big file is stored in it, and its re-upload is a dedup hit', async () => {
    const ws = await workspaceWithPdf();
    await ws.file('notes.txt', 'a few notes\n');
    expect((await ws.main(['upload', 'report.pdf', 'notes.txt'])).code).toBe(0);
    const cacheFile = path.join(ws.stateDir, 'hash-cache.sqlite');
    expect((await stat(cacheFile)).size).toBe(0);
    const big = await readFile(path.resolve('examples/report.pdf'));
    await ws.file('big.pdf', Buffer.concat([big, Buffer.alloc(300 * 1024, 0x20)]));
    expect((await ws.main(['upload', 'big.pdf'])).code).toBe(0);
    expect((await stat(cacheFile)).size).toBeGreaterThan(0);
    const again = await ws.main(['upload', 'big.pdf', '--json']);
    expect((JSON.parse(again.stdout) as Row[])[0]).toMatchObject({ status: 'deduplicated' });
  });
});

describe('exai upload to Kimi and GLM', () => {
  it('honours Retry-After on a 429 and then succeeds', async () => {
    const ws = await workspaceWithPdf();
    await ws.config({ retry: { maxAttempts: 4, baseDelayMs: 1, maxDelayMs: 5, maxRetryAfterMs: 60_000 } });
    const server = await kimi({ faults: [{ kind: 'rate-limit', retryAfter: '7' }] });
    const clock = createFakeClock();
    const result = await ws.main(['upload', 'report.pdf', '--json'], { env: kimiEnv(server), clock });
    expect(result.code).toBe(0);
    expect(clock.sleeps).toContain(7000);
    expect(uploads(server)).toBe(2);
    expect(server.files.size).toBe(1);
  });

  it('retries 500 and 503 and then succeeds with one file at the provider', async () => {
    const ws = await workspaceWithPdf();
    const server = await kimi({ faults: [{ kind: 'server-error', status: 500 }, { kind: 'server-error', status: 503 }] });
    const result = await ws.main(['upload', 'report.pdf', '--json'], { env: kimiEnv(server), clock: createFakeClock() });
    expect(result.code).toBe(0);
    const [row] = JSON.parse(result.stdout) as Row[];
    expect(row?.status).toBe('uploaded');
    expect(server.files.has(row!.file_id)).toBe(true);
    expect(uploads(server)).toBe(3);
  });

  it('retries a connection reset mid-body by re-opening the file', async () => {
    const ws = await workspaceWithPdf();
    const server = await kimi({ faults: [{ kind: 'reset', afterBytes: 100 }] });
    const result = await ws.main(['upload', 'report.pdf', '--json'], { env: kimiEnv(server), clock: createFakeClock() });
    expect(result.code).toBe(0);
    expect([...server.files.values()][0]?.bytes).toBe(600);
  });

  it('skips a provider whose purpose limit is below the file size and uses the next', async () => {
    const ws = await workspaceWithPdf();
    await ws.config({ provider: 'glm', maxFileSize: '200MiB' });
    await ws.file('big.txt', Buffer.alloc(60 * 1024 * 1024, 'a'));
    const g = await glm();
    const k = await kimi();
    const result = await ws.main(['upload', 'big.txt', '--json'], { env: { ...kimiEnv(k), ...glmEnv(g) } });
    expect(result.code).toBe(0);
    expect((JSON.parse(result.stdout) as Row[])[0]?.provider).toBe('kimi');
    expect(g.requests).toHaveLength(0);
  });

  it('sends a file above every limit to no provider: exit 6 naming why each was skipped', async () => {
    const ws = await workspaceWithPdf();
    await ws.config({ maxFileSize: '200MiB' });
    await ws.file('huge.txt', Buffer.alloc(101 * 1024 * 1024, 'a'));
    const g = await glm();
    const k = await kimi();
    const result = await ws.main(['upload', 'huge.txt'], { env: { ...kimiEnv(k), ...glmEnv(g) } });
    expect(result.code).toBe(6);
    expect(result.stdout).toMatch(/kimi: .*100/);
    expect(result.stdout).toMatch(/glm: .*50/);
    expect(k.requests).toHaveLength(0);
    expect(g.requests).toHaveLength(0);
  });

  it('over quota: exit 5 and no request', async () => {
    const ws = await workspaceWithPdf();
    await ws.config({ quota: '500B' });
    const server = await kimi();
    const result = await ws.main(['upload', 'report.pdf', '--json'], { env: kimiEnv(server) });
    expect(result.code).toBe(5);
    expect((JSON.parse(result.stdout) as Row[])[0]?.error?.name).toBe('QUOTA_EXCEEDED');
    expect(server.requests).toHaveLength(0);
  });

  it('a batch that partly fails exits 8; --fail-fast skips the rest', async () => {
    const ws = await workspaceWithPdf();
    await ws.config({ quota: '1000B' });
    await ws.file('a.txt', 'a'.repeat(300));
    await ws.file('b.txt', 'b'.repeat(300));
    const server = await kimi();
    const partial = await ws.main(['upload', 'report.pdf', 'a.txt', 'b.txt', '--concurrency', '1', '--json'], { env: kimiEnv(server) });
    expect(partial.code).toBe(8);
    const statuses = (JSON.parse(partial.stdout) as Row[]).map((r) => r.status);
    expect(statuses.filter((s) => s === 'uploaded')).toHaveLength(2);
    expect(statuses.filter((s) => s === 'failed')).toHaveLength(1);
  });

  it('--fail-fast stops starting uploads after the first failure', async () => {
    const ws = await workspaceWithPdf();
    await ws.config({ retry: { maxAttempts: 1 } });
    await ws.file('a.txt', 'a'.repeat(300));
    const server = await kimi({ faults: [{ kind: 'reply', status: 400, body: { error: { type: 'invalid_request_error', message: 'bad file' } } }] });
    const result = await ws.main(['upload', 'a.txt', 'report.pdf', '--concurrency', '1', '--fail-fast', '--provider', 'kimi', '--json'], { env: kimiEnv(server) });
    const rows = JSON.parse(result.stdout) as Row[];
    expect(rows.map((r) => r.status)).toEqual(['failed', 'skipped']);
    expect(uploads(server)).toBe(1);
    expect(result.code).not.toBe(0);
  });

  it('a purpose no configured provider takes is a usage error, with or without --provider', async () => {
    const ws = await workspaceWithPdf();
    const server = await kimi();
    const result = await ws.main(['upload', 'report.pdf', '--purpose', 'assistants'], { env: kimiEnv(server) });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('valid purposes: file-extract, image, video, batch');
    const g = await glm();
    const agent = await ws.main(['upload', 'report.pdf', '--purpose', 'agent', '--json'], { env: { ...kimiEnv(server), ...glmEnv(g) } });
    expect(agent.code).toBe(0);
    expect((JSON.parse(agent.stdout) as Row[])[0]).toMatchObject({ provider: 'glm', purpose: 'agent' });
    expect(server.requests).toHaveLength(0);
  });

  it('an invalid --purpose is a usage error listing the valid ones', async () => {
    const ws = await workspaceWithPdf();
    const server = await kimi();
    const result = await ws.main(['upload', 'report.pdf', '--provider', 'kimi', '--purpose', 'assistants'], { env: kimiEnv(server) });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('file-extract, image, video, batch');
    expect(server.requests).toHaveLength(0);
  });

  it('GLM quota exhausted (no retry) falls back to Kimi', async () => {
    const ws = await workspaceWithPdf();
    const g = await glm({ failAll: { kind: 'quota' } });
    const k = await kimi();
    await ws.config({ provider: 'glm' });
    const result = await ws.main(['upload', 'report.pdf', '--json'], { env: { ...kimiEnv(k), ...glmEnv(g) } });
    expect(result.code).toBe(0);
    expect((JSON.parse(result.stdout) as Array<Row & { fell_back_from?: unknown[] }>)[0]).toMatchObject({ provider: 'kimi', fell_back_from: [{ provider: 'glm' }] });
    expect(uploads(g)).toBe(1);
  });

  it('never prints an API key, whatever fails', async () => {
    const ws = await workspaceWithPdf();
    await ws.config({ retry: { maxAttempts: 2, baseDelayMs: 1, maxDelayMs: 2 } });
    const faults = [
      { kind: 'reply', status: 401, body: { error: { type: 'invalid_authentication_error', message: `Invalid key Bearer ${KIMI_KEY}` } } },
      { kind: 'server-error', status: 500 },
      { kind: 'quota' },
      { kind: 'malformed-json' },
    ] as const;
    for (const fault of faults) {
      const server = await kimi({ failAll: fault });
      for (const extra of [[], ['--json']]) {
        const result = await ws.main(['upload', 'report.pdf', '--provider', 'kimi', ...extra], { env: kimiEnv(server), clock: createFakeClock() });
        expect(result.code).not.toBe(0);
        expect(result.stdout + result.stderr).not.toContain(KIMI_KEY);
        expect(result.stdout + result.stderr).not.toContain(KIMI_KEY.slice(0, 16));
      }
    }
  });

  it('waits for a live lock on the same content, then exits 7 naming the holder', async () => {
    const ws = await workspaceWithPdf();
    await ws.config({ lockTimeout: '300ms' });
    const server = await kimi();
    const sha = createHash('sha256').update(await readFile(path.resolve('examples/report.pdf'))).digest('hex');
    const held = await acquireLock({ dir: ws.stateDir, key: sha, timeoutMs: 1000, leaseMs: 60_000, owner: { command: 'test holder' } });
    try {
      const result = await ws.main(['upload', 'report.pdf', '--json'], { env: kimiEnv(server) });
      expect(result.code).toBe(7);
      const [row] = JSON.parse(result.stdout) as Array<Row & { error: { name: string; message: string } }>;
      expect(row?.error.name).toBe('LOCK_TIMEOUT');
      expect(row?.error.message).toContain(String(process.pid));
      expect(server.requests).toHaveLength(0);
    } finally {
      await held.release();
    }
  });

  it('shows a progress bar with bytes on a TTY, and none without one', async () => {
    const ws = await workspaceWithPdf();
    await ws.file('big.txt', Buffer.alloc(3 * 1024 * 1024, 'a'));
    const onTty = await ws.main(['upload', 'big.txt'], { tty: true });
    expect(onTty.code).toBe(0);
    expect(onTty.stderr).toMatch(/uploading \[[#-]{20}\] {2}[\d.]+ (KiB|MiB)\/3\.0 MiB/);
    await ws.file('other.txt', Buffer.alloc(3 * 1024 * 1024, 'b'));
    const plain = await ws.main(['upload', 'other.txt']);
    expect(plain.stderr).not.toContain('uploading [');
  });
});
