/**
 * What is sent is what was validated (issue 14): another process rewrites the file through a
 * shared mmap — size, mtime and ctime unchanged — between two attempts, or between
 * `upload --dry-run` and `upload`. The upload must fail FILE_CHANGED, the provider must hold
 * no file and the catalog no active row, whatever the shape of the change.
 */
import { randomBytes } from 'node:crypto';
import { readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { prepareFiles, uploadFile, type UploadOptions } from '../../../../src/core/upload/index.js';
import type { Provider, RemoteFile, UploadRequest } from '../../../../src/providers/types.js';
import { BINARY_PDF_HEAD } from '../../../helpers/upload-deps.js';
import { expectNothingKept, KIMI, rewriteUnseen, useSentBytesHarness } from '../../../helpers/sent-bytes.js';

const MiB = 1024 * 1024;
const ELF = Buffer.from('7f454c4602010100000000000000000002003e00', 'hex');
const ZIP = Buffer.from('504b03041400000008000000210000000000', 'hex');

const setUp = useSentBytesHarness();

const SHAPES = [
  { name: 'text → ELF', file: 'notes.txt', content: () => Buffer.from('plain notes, nothing to run\n'.repeat(200)), offset: 0, bytes: ELF },
  { name: 'PDF → zip', file: 'paper.pdf', content: () => Buffer.concat([BINARY_PDF_HEAD, randomBytes(200_000)]), offset: 0, bytes: ZIP },
  { name: 'same head, changed last bytes (several chunks)', file: 'log.txt', content: () => Buffer.from('line of text\n'.repeat(250_000)), offset: -5, bytes: Buffer.from('EVIL\n') },
  { name: 'big PDF validated from its head → zip head', file: 'big.pdf', content: () => Buffer.concat([BINARY_PDF_HEAD, randomBytes(9 * MiB)]), offset: 0, bytes: ZIP },
];

describe('a file rewritten through a shared mmap between two attempts', () => {
  for (const shape of SHAPES) {
    it(`${shape.name}: the retry fails FILE_CHANGED, the provider holds no file, no row is active`, async () => {
      const { dir, server, catalog, deps, prepare, map, onRetry } = await setUp();
      await writeFile(path.join(dir, shape.file), shape.content());
      const mapping = await map(shape.file);
      const file = await prepare(shape.file);
      server.setFaults([{ kind: 'server-error', status: 500 }]);
      let rewrites = 0;
      onRetry(() => {
        rewrites += 1;
        return rewriteUnseen(mapping, path.join(dir, shape.file), shape.offset, shape.bytes);
      });
      const outcome = await uploadFile(file, KIMI, deps);
      expect(outcome.status).toBe('failed');
      expect(outcome.error?.name).toBe('FILE_CHANGED');
      expect(rewrites).toBe(1);
      // The retry's request may never reach the server: a file of one chunk is read and
      // checked before its request has written anything.
      expect(server.requests.filter((r) => r.method === 'POST').length).toBeOneOf([1, 2]);
      await expectNothingKept(catalog, server);
    });
  }
});

describe('a file rewritten through a shared mmap between `upload --dry-run` and `upload`', () => {
  it('text → ELF: the cached hash passes validation but not the upload, and the cache forgets it', async () => {
    const { dir, server, catalog, deps, hashCache, prepare, map, policy, config } = await setUp();
    await writeFile(path.join(dir, 'notes.txt'), 'plain notes, nothing to run\n'.repeat(200));
    const mapping = await map('notes.txt');
    const dry = await prepare('notes.txt', hashCache);
    expect((await uploadFile(dry, { ...KIMI, dryRun: true }, deps)).status).toBe('would-upload');
    await rewriteUnseen(mapping, path.join(dir, 'notes.txt'), 0, ELF);
    const cached = await prepare('notes.txt', hashCache);
    expect(cached.sha256).toBe(dry.sha256);
    const outcome = await uploadFile(cached, KIMI, deps);
    expect(outcome.error?.name).toBe('FILE_CHANGED');
    await expectNothingKept(catalog, server);
    const again = await prepareFiles(['notes.txt'], { policy, rules: config, concurrency: 1, hashCache });
    expect(again.reports[0]?.errors.map((e) => e.name)).toContain('EXECUTABLE_CONTENT');
  });

  it('big PDF, changed at its end: hashed by the dry run, refused by the upload', async () => {
    const { dir, server, catalog, deps, hashCache, prepare, map } = await setUp();
    await writeFile(path.join(dir, 'big.pdf'), Buffer.concat([BINARY_PDF_HEAD, randomBytes(9 * MiB)]));
    const mapping = await map('big.pdf');
    expect((await uploadFile(await prepare('big.pdf', hashCache), { ...KIMI, dryRun: true }, deps)).status).toBe('would-upload');
    await rewriteUnseen(mapping, path.join(dir, 'big.pdf'), -4, Buffer.from('%EOF'));
    const outcome = await uploadFile(await prepare('big.pdf', hashCache), KIMI, deps);
    expect(outcome.error?.name).toBe('FILE_CHANGED');
    await expectNothingKept(catalog, server);
  });

  it('to the local provider: no blob and no sidecar are left', async () => {
    const { dir, catalog, deps, hashCache, prepare, map, dirs } = await setUp();
    await writeFile(path.join(dir, 'notes.txt'), 'plain notes, nothing to run\n'.repeat(200));
    const mapping = await map('notes.txt');
    const local: UploadOptions = { preferred: 'local', strict: true, dryRun: false };
    await uploadFile(await prepare('notes.txt', hashCache), { ...local, dryRun: true }, deps);
    await rewriteUnseen(mapping, path.join(dir, 'notes.txt'), 0, ELF);
    const outcome = await uploadFile(await prepare('notes.txt', hashCache), local, deps);
    expect(outcome.error?.name).toBe('FILE_CHANGED');
    expect(await readdir(path.join(dirs.data, 'blobs')).catch(() => [])).toEqual([]);
    await expectNothingKept(catalog, { files: new Map() });
  });
});

describe('a provider that keeps a copy it should not have', () => {
  it('answered before the whole body was read: its copy is deleted and the row failed', async () => {
    const { dir, catalog, deps, prepare } = await setUp();
    await writeFile(path.join(dir, 'notes.txt'), 'line of text\n'.repeat(250_000));
    const stub = hastyProvider();
    const registry = { get: () => stub, all: () => [stub], configured: () => [stub] };
    const outcome = await uploadFile(await prepare('notes.txt'), KIMI, { ...deps, registry });
    expect(outcome.error?.name).toBe('PROVIDER_BAD_RESPONSE');
    expect(stub.deleted).toEqual(['stub-1']);
    await expectNothingKept(catalog, { files: new Map() });
  });
});

/** A "provider" that stores after the first chunk and answers at once; records deletes. */
function hastyProvider(): Provider & { deleted: string[] } {
  const deleted: string[] = [];
  return {
    name: 'kimi',
    purposes: { 'file-extract': { maxBytes: 1e9, source: 'test' } },
    defaultPurpose: 'file-extract',
    isConfigured: () => true,
    upload: async (request: UploadRequest): Promise<RemoteFile> => {
      const reader = await request.body.open();
      for await (const _chunk of reader) break;
      await reader.close();
      return { id: 'stub-1', bytes: request.body.size, filename: request.body.filename, purpose: request.purpose, createdAt: 0 };
    },
    list: () => Promise.resolve([]),
    delete: (id: string) => {
      deleted.push(id);
      return Promise.resolve({ alreadyGone: false });
    },
    deleted,
  };
}
