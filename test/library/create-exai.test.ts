/**
 * The library front end, driven the way a program uses it: the MCP scenario (validate a good
 * and hostile files, upload twice, content, list, remove, quota) through createExai(), with
 * nothing printed and failures as ExaiError.
 */
import { rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createExai, ExaiError, type Exai } from '../../src/index.js';
import { elfBytes, pdfBytes } from '../fixtures/files.js';
import { createWorkspace, type Workspace } from '../helpers/workspace.js';
import { extractedText, startFakeProvider, type FakeProvider } from '../servers/fake-provider.js';

let ws: Workspace;
let exai: Exai | undefined;
let fake: FakeProvider | undefined;

beforeEach(async () => {
  ws = await createWorkspace();
});

afterEach(async () => {
  await exai?.close();
  await fake?.close();
  exai = undefined;
  fake = undefined;
  vi.restoreAllMocks();
  await rm(ws.root, { recursive: true, force: true });
});

function open(extra: Record<string, string> = {}): Promise<Exai> {
  return createExai({ cwd: ws.cwd, env: { ...ws.env, ...extra }, home: ws.root });
}

describe('createExai() on the embedded default (local provider)', () => {
  it('validates good and hostile files with the CLI rules and shapes', async () => {
    await ws.file('report.pdf', pdfBytes());
    await ws.file('setup.pdf', elfBytes());
    const outside = path.join(ws.root, 'outside.txt');
    await writeFile(outside, 'secret\n');
    exai = await open();
    const reports = await exai.validate(['report.pdf', 'setup.pdf', outside]);
    const byPath = Object.fromEntries(reports.map((r) => [path.basename(r.path), r]));
    expect(byPath['report.pdf']).toMatchObject({ valid: true, metadata: { mime_type: 'application/pdf' } });
    expect(byPath['setup.pdf']?.valid).toBe(false);
    expect(byPath['setup.pdf']?.errors.map((e) => e.name)).toContain('EXECUTABLE_CONTENT');
    expect(byPath['outside.txt']?.errors.map((e) => e.name)).toEqual(['PATH_OUTSIDE_ROOTS']);
  });

  it('uploads, deduplicates, lists, reads text content, removes and reports quota', async () => {
    await ws.file('notes.md', '# Notes\n\nhello from the library\n');
    exai = await open();
    const [first] = await exai.upload('notes.md');
    expect(first).toMatchObject({ status: 'uploaded', provider: 'local', deduplicated: false });
    const [second] = await exai.upload('notes.md');
    expect(second).toMatchObject({ status: 'deduplicated', file_id: first?.file_id, deduplicated: true });
    const content = await exai.content(first!.file_id!);
    expect(content).toMatchObject({ provider: 'local', content: '# Notes\n\nhello from the library\n', cached: false });
    expect((await exai.content('notes.md')).cached).toBe(true);
    expect((await exai.list()).map((r) => r.file_id)).toEqual([first?.file_id]);
    expect(await exai.quota()).toMatchObject({ used_bytes: Buffer.byteLength('# Notes\n\nhello from the library\n'), files: 1, uploading: 0 });
    const [removed] = await exai.remove(first!.file_id!);
    expect(removed).toMatchObject({ deleted: true, file_id: first?.file_id });
    expect(await exai.quota()).toMatchObject({ used_bytes: 0, files: 0 });
  });

  it('refuses binary content from the local provider with a clear error', async () => {
    await ws.file('report.pdf', pdfBytes());
    exai = await open();
    const [row] = await exai.upload('report.pdf');
    const error = await exai.content(row!.file_id!).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ExaiError);
    expect(error).toMatchObject({ name: 'CONTENT_UNAVAILABLE' });
    expect((error as ExaiError).message).toContain('not a text file');
  });

  it('returns rejected rows and sends nothing when a file is invalid', async () => {
    await ws.file('ok.md', 'fine\n');
    await ws.file('bad.pdf', elfBytes());
    exai = await open();
    const rows = await exai.upload(['ok.md', 'bad.pdf']);
    expect(rows.map((r) => [path.basename(r.path), r.status]).sort()).toEqual([
      ['bad.pdf', 'rejected'],
      ['ok.md', 'skipped'],
    ]);
    expect(await exai.list()).toEqual([]);
  });

  it('never writes to stdout or stderr and never sets process.exitCode', async () => {
    await ws.file('a.md', 'a\n');
    const writes = [vi.spyOn(process.stdout, 'write'), vi.spyOn(process.stderr, 'write')];
    exai = await open();
    await exai.validate('a.md');
    await exai.upload('a.md');
    await exai.list();
    await exai.remove('a.md');
    await exai.content('nope-nothing').catch(() => undefined);
    for (const spy of writes) expect(spy).not.toHaveBeenCalled();
    expect(process.exitCode).toBeUndefined();
  });

  it('stops cleanly on an aborted signal and records nothing', async () => {
    await ws.file('a.md', 'a\n');
    exai = await open();
    const abort = new AbortController();
    abort.abort(new ExaiError('INTERRUPTED', 'stopped by the caller'));
    const rows = await exai.upload('a.md', { signal: abort.signal }).catch((e: unknown) => e);
    const statuses = Array.isArray(rows) ? rows.map((r: { status: string }) => r.status) : [(rows as ExaiError).name];
    expect(statuses.every((s) => s === 'skipped' || s === 'failed' || s === 'INTERRUPTED')).toBe(true);
    expect((await exai.list()).filter((r) => r.status === 'active')).toEqual([]);
  });

  it('takes config in code on top of the environment, and names a bad value', async () => {
    await ws.file('big.md', 'x'.repeat(100));
    exai = await open();
    await exai.close();
    exai = await createExai({ cwd: ws.cwd, env: ws.env, home: ws.root, config: { maxFileSize: 10 } });
    const [report] = await exai.validate('big.md');
    expect(report?.errors.map((e) => e.name)).toEqual(['FILE_TOO_LARGE']);
    const bad = await createExai({ cwd: ws.cwd, env: ws.env, home: ws.root, config: { maxFileSize: 'lots' } }).catch((e: unknown) => e);
    expect(bad).toMatchObject({ name: 'CONFIG_INVALID' });
  });
});

describe('content from a provider', () => {
  it.each(['kimi', 'glm'] as const)('reads %s extracted text once, then from the cache', async (kind) => {
    fake = await startFakeProvider({ kind, apiKey: 'sk-test-content-key-0123456789' });
    const env: Record<string, string> = kind === 'kimi' ? { MOONSHOT_API_KEY: 'sk-test-content-key-0123456789', EXAI_KIMI_BASE_URL: fake.url } : { ZAI_API_KEY: 'sk-test-content-key-0123456789', EXAI_GLM_BASE_URL: fake.url };
    await ws.file('report.pdf', pdfBytes());
    exai = await open(env);
    const [row] = await exai.upload('report.pdf', { provider: kind });
    const stored = fake.files.get(row!.file_id!)!;
    const first = await exai.content(row!.file_id!);
    expect(first).toEqual({ provider: kind, file_id: row?.file_id, name: expect.stringMatching(/\/report\.pdf$/), content: extractedText(stored), cached: false });
    const requests = fake.requests.length;
    const again = await exai.content(row!.sha256!.slice(0, 12));
    expect(again).toMatchObject({ content: first.content, cached: true });
    expect(fake.requests.length).toBe(requests);
  });
});

describe('gc through the library', () => {
  it('plans by default and deletes only with dryRun: false and yes: true', async () => {
    await ws.file('old.md', 'old\n');
    exai = await open();
    const [row] = await exai.upload('old.md');
    const plan = await exai.gc({ olderThanMs: 0 });
    expect(plan).toMatchObject({ delete: [{ file_id: row?.file_id, reason: 'retention' }], bytes_freed: 4, orphans: [], errors: [] });
    expect(await exai.list()).toHaveLength(1);
    expect(await exai.gc({ olderThanMs: 0, dryRun: false })).toMatchObject({ delete: [{ file_id: row?.file_id }] });
    expect(await exai.list()).toHaveLength(1);
    const limited = await exai.gc({ olderThanMs: 0, dryRun: false, yes: true, maxDelete: 0 }).catch((e: unknown) => e);
    expect(limited).toMatchObject({ name: 'DELETE_LIMIT_EXCEEDED' });
    const done = await exai.gc({ olderThanMs: 0, dryRun: false, yes: true });
    expect(done).toMatchObject({ delete: [{ file_id: row?.file_id }], bytes_freed: 4 });
    expect(await exai.list()).toEqual([]);
  });

  it('deleting takes the gc lock (wait: false fails at once naming the holder); a plan does not', async () => {
    await ws.file('old.md', 'old\n');
    exai = await open();
    await exai.upload('old.md');
    const { acquireLock } = await import('../../src/core/lock/index.js');
    const { localGcLock } = await import('../../src/core/ops/gc-lock.js');
    const held = await acquireLock({ ...(await localGcLock(exai.config.dirs.data)), timeoutMs: 1000, leaseMs: 60_000, owner: { command: 'gc' } });
    try {
      const busy = await exai.gc({ olderThanMs: 0, dryRun: false, yes: true, wait: false }).catch((e: unknown) => e);
      expect(busy).toBeInstanceOf(ExaiError);
      expect(busy).toMatchObject({ name: 'LOCK_TIMEOUT', message: expect.stringContaining(`another gc is running on this catalog: pid ${process.pid}`) });
      expect(await exai.gc({ olderThanMs: 0 })).toMatchObject({ delete: [{ reason: 'retention' }] });
      expect(await exai.list()).toHaveLength(1);
    } finally {
      await held.release();
    }
    expect(await exai.gc({ olderThanMs: 0, dryRun: false, yes: true, wait: false })).toMatchObject({ delete: [{ reason: 'retention' }] });
    expect(await exai.list()).toEqual([]);
  });
});
