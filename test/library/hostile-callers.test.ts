/**
 * createExai() under callers we have not seen: two instances on one state dir racing for
 * the same file, calls after close(), signals aborted before and during each call, wrong
 * types from plain JavaScript. Failures are ExaiError with code, exit code and hint; nothing
 * is printed, no rejection goes unhandled and process.exitCode is never touched.
 */
import { rm } from 'node:fs/promises';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { listLocks } from '../../src/core/lock/index.js';
import { createExai, ExaiError, type Exai } from '../../src/index.js';
import { createWorkspace, type Workspace } from '../helpers/workspace.js';
import { startFakeProvider, type FakeProvider } from '../servers/fake-provider.js';

const KEY = 'sk-library-hostile-key-0123456789abcdef';
let ws: Workspace;
let fake: FakeProvider;
const open: Exai[] = [];
const unhandled: unknown[] = [];
const onUnhandled = (reason: unknown) => unhandled.push(reason);

beforeAll(() => {
  process.on('unhandledRejection', onUnhandled);
});

afterAll(() => {
  process.off('unhandledRejection', onUnhandled);
});

beforeEach(async () => {
  ws = await createWorkspace();
  fake = await startFakeProvider({ kind: 'kimi', apiKey: KEY });
});

afterEach(async () => {
  await Promise.all(open.splice(0).map((exai) => exai.close()));
  await fake.close();
  vi.restoreAllMocks();
  await rm(ws.root, { recursive: true, force: true });
  expect(unhandled).toEqual([]);
  expect(process.exitCode).toBeUndefined();
});

async function instance(signal?: AbortSignal): Promise<Exai> {
  const exai = await createExai({ cwd: ws.cwd, env: { ...ws.env, MOONSHOT_API_KEY: KEY, EXAI_KIMI_BASE_URL: fake.url }, home: ws.root, signal });
  open.push(exai);
  return exai;
}

async function failure(promise: Promise<unknown>): Promise<ExaiError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ExaiError);
  return error as ExaiError;
}

const uploads = () => fake.requests.filter((r) => r.method === 'POST').length;

describe('createExai() with callers that race', () => {
  it('two instances on one state dir upload the same file at once: one provider upload, one row', async () => {
    await ws.file('shared.md', '# shared\n'.repeat(2000));
    fake.setLatency(100);
    const [a, b] = [await instance(), await instance()];
    const [[rowA], [rowB]] = await Promise.all([a.upload('shared.md', { provider: 'kimi' }), b.upload('shared.md', { provider: 'kimi' })]);
    expect(uploads()).toBe(1);
    expect([rowA?.status, rowB?.status].sort()).toEqual(['deduplicated', 'uploaded']);
    expect(rowA?.file_id).toBe(rowB?.file_id);
    expect((await b.list()).map((r) => r.file_id)).toEqual([rowA?.file_id]);
    expect(await a.quota()).toMatchObject({ files: 1, uploading: 0 });
  });

  it('refuses every call after close(), lets a running call finish first, and closes twice quietly', async () => {
    await ws.file('a.md', 'a\n');
    const exai = await instance();
    const running = exai.upload('a.md', { provider: 'kimi' });
    const closed = exai.close();
    expect(await running).toMatchObject([{ status: 'uploaded' }]);
    await closed;
    await exai.close();
    const calls = [exai.validate('a.md'), exai.upload('a.md'), exai.content('a.md'), exai.list(), exai.remove('a.md'), exai.quota(), exai.gc()];
    for (const call of calls) {
      const error = await failure(call);
      expect(error).toMatchObject({ name: 'USAGE', code: 1101, message: expect.stringContaining('closed'), hint: expect.stringContaining('createExai') });
      expect(error.exitCode).toBe(2);
    }
  });
});

describe('createExai() with aborted signals', () => {
  it('stops every call whose signal is already aborted with INTERRUPTED, or with the caller\'s own ExaiError reason', async () => {
    await ws.file('a.md', 'a\n');
    const exai = await instance();
    const aborted = AbortSignal.abort();
    const calls = [exai.validate('a.md', { signal: aborted }), exai.upload('a.md', { signal: aborted }), exai.content('a.md', { signal: aborted }), exai.remove('a.md', { signal: aborted }), exai.gc({ signal: aborted })];
    for (const call of calls) expect(await failure(call)).toMatchObject({ name: 'INTERRUPTED', code: 9002 });
    const mine = new ExaiError('INTERRUPTED', 'the user closed the tab');
    expect(await failure(exai.upload('a.md', { signal: AbortSignal.abort(mine) }))).toBe(mine);
    expect(uploads()).toBe(0);
    expect(await exai.list()).toEqual([]);
  });

  it('an instance whose own signal is aborted refuses list and quota too', async () => {
    const controller = new AbortController();
    const exai = await instance(controller.signal);
    expect(await exai.quota()).toMatchObject({ files: 0 });
    controller.abort();
    expect(await failure(exai.list())).toMatchObject({ name: 'INTERRUPTED' });
    expect(await failure(exai.quota())).toMatchObject({ name: 'INTERRUPTED' });
  });

  it('an upload aborted mid-transfer leaves no row, no quota and no lock, and the file uploads again', async () => {
    await ws.file('big.txt', 'line of text\n'.repeat(400_000));
    fake.setFaults([{ kind: 'slow-read', msPerChunk: 1000 }]);
    const exai = await instance();
    const controller = new AbortController();
    const outcome = exai
      .upload('big.txt', {
        provider: 'kimi',
        signal: controller.signal,
        onProgress: (event) => {
          if (event.type === 'upload' && event.sent_bytes > 0) controller.abort();
        },
      })
      .then(
        (rows) => rows.map((r) => r.status),
        (e: unknown) => (e as ExaiError).name,
      );
    const result = await outcome;
    expect(result === 'INTERRUPTED' || (Array.isArray(result) && result.every((s) => s === 'failed' || s === 'skipped'))).toBe(true);
    fake.setFaults([]);
    expect(await exai.quota()).toMatchObject({ used_bytes: 0, files: 0, uploading: 0 });
    expect(await exai.list({ status: 'active' })).toEqual([]);
    expect(await listLocks(ws.stateDir, Date.now())).toEqual([]);
    expect(await exai.upload('big.txt', { provider: 'kimi' })).toMatchObject([{ status: 'uploaded' }]);
  });
});

describe('createExai() with signals aborted during a call', () => {
  it('stops validating a long list at once, and a content read mid-request, with INTERRUPTED', async () => {
    for (let i = 0; i < 60; i++) await ws.file(`many/f${i}.md`, `file ${i}\n`);
    await ws.file('r.md', '# r\n');
    const exai = await instance();
    const validating = new AbortController();
    let seen = 0;
    const onProgress = (event: { type: string }) => {
      if (event.type === 'validate' && ++seen === 3) validating.abort();
    };
    expect(await failure(exai.validate('many', { signal: validating.signal, onProgress }))).toMatchObject({ name: 'INTERRUPTED' });
    expect(seen).toBeLessThan(60);
    const [row] = await exai.upload('r.md', { provider: 'kimi' });
    fake.setFaults([{ kind: 'delay', ms: 5000 }]);
    const reading = new AbortController();
    const read = exai.content(row!.file_id!, { signal: reading.signal });
    while (!fake.requests.some((r) => r.path.endsWith('/content'))) await new Promise((r) => setTimeout(r, 10));
    reading.abort();
    expect(await failure(read)).toMatchObject({ name: 'INTERRUPTED' });
    expect(await exai.content(row!.file_id!)).toMatchObject({ cached: false });
  });
});

describe('createExai() called from plain JavaScript', () => {
  it('names a wrong argument in a USAGE ExaiError, never a TypeError or a silent empty answer', async () => {
    const exai = await instance();
    const loose = exai as unknown as Record<string, (...args: unknown[]) => Promise<unknown>>;
    const cases: Array<[string, unknown[], string]> = [
      ['validate', [42], 'paths'],
      ['validate', [['a.md', null]], 'paths'],
      ['upload', [undefined], 'paths'],
      ['upload', ['a.md', { provider: 'openai' }], 'provider'],
      ['upload', ['a.md', { concurrency: 0 }], 'concurrency'],
      ['content', [{ id: 'x' }], 'ref'],
      ['remove', [[1, 2]], 'refs'],
      ['list', [{ status: 'weird' }], 'status'],
      ['list', [{ limit: -5 }], 'limit'],
      ['list', [{ since: 'yesterday' }], 'since'],
      ['gc', [{ provider: 'nope' }], 'provider'],
    ];
    for (const [method, args, named] of cases) {
      const error = await failure(loose[method]!.apply(exai, args));
      expect(error, `${method}(${JSON.stringify(args)})`).toMatchObject({ name: 'USAGE', message: expect.stringContaining(named) });
    }
  });

  it('refuses options that are not objects, and a __proto__ key in config pollutes nothing', async () => {
    const loose = createExai as unknown as (options: unknown) => Promise<Exai>;
    expect(await failure(loose(42))).toMatchObject({ name: 'USAGE', message: expect.stringContaining('options') });
    expect(await failure(loose(null))).toMatchObject({ name: 'USAGE' });
    expect(await failure(loose({ cwd: ws.cwd, env: ws.env, home: ws.root, config: 'maxFileSize=1' }))).toMatchObject({ name: 'USAGE', message: expect.stringContaining('config') });
    const hostile = JSON.parse('{"__proto__": {"polluted": true}}') as Record<string, unknown>;
    expect(await failure(createExai({ cwd: ws.cwd, env: ws.env, home: ws.root, config: hostile }))).toMatchObject({ name: 'CONFIG_INVALID' });
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
  });

  it('finishes an upload whose progress listener throws', async () => {
    await ws.file('a.md', 'a\n'.repeat(100_000));
    const exai = await instance();
    const explode = () => {
      throw new Error('the progress bar crashed');
    };
    expect(await exai.validate('a.md', { onProgress: explode })).toMatchObject([{ valid: true }]);
    expect(await exai.upload('a.md', { provider: 'kimi', onProgress: explode })).toMatchObject([{ status: 'uploaded' }]);
    expect(await exai.quota()).toMatchObject({ files: 1, uploading: 0 });
  });

  it('prints nothing through any of it', async () => {
    const writes = [vi.spyOn(process.stdout, 'write'), vi.spyOn(process.stderr, 'write')];
    await ws.file('a.md', 'a\n');
    const exai = await instance();
    await exai.upload('a.md', { provider: 'kimi' });
    await failure(exai.upload('a.md', { signal: AbortSignal.abort() }));
    await failure(exai.list({ limit: 0 }));
    await exai.close();
    await failure(exai.quota());
    for (const spy of writes) expect(spy).not.toHaveBeenCalled();
  });
});
