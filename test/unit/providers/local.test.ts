import { readdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LocalProvider, localFileId } from '../../../src/providers/local.js';
import { validatePurpose } from '../../../src/providers/registry.js';
import { makeTempDir, makeTestFile, patternBytes } from '../../servers/upload-fixtures.js';

let temp: Awaited<ReturnType<typeof makeTempDir>>;
let provider: LocalProvider;

beforeEach(async () => {
  temp = await makeTempDir();
  provider = new LocalProvider({ dataDir: path.join(temp.dir, 'data'), maxBytes: 1024 * 1024, now: () => 1_700_000_000_000 });
});
afterEach(async () => {
  await temp.cleanup();
});

describe('LocalProvider', () => {
  it('round trip: upload, list, delete, delete again → alreadyGone', async () => {
    const file = await makeTestFile(temp.dir, 'notes.txt', Buffer.from('hello local\n'), 'text/plain');
    const remote = await provider.upload(file.request('file-extract'));
    expect(remote).toEqual({ id: localFileId(file.sha256, 'file-extract'), bytes: file.size, filename: 'notes.txt', purpose: 'file-extract', createdAt: 1_700_000_000, status: 'ok' });
    expect(remote.id).toMatch(/^local-[0-9a-f]{24}$/);
    const blob = path.join(temp.dir, 'data', 'blobs', file.sha256);
    expect(await readFile(blob, 'utf8')).toBe('hello local\n');

    expect(await provider.list()).toEqual([remote]);
    expect(await provider.list({ purpose: 'batch' })).toEqual([]);
    expect(await provider.delete(remote.id)).toEqual({ alreadyGone: false });
    expect(await readdir(path.join(temp.dir, 'data', 'blobs'))).toEqual([]);
    expect(await provider.delete(remote.id)).toEqual({ alreadyGone: true });
    expect(await provider.list()).toEqual([]);
  });

  it('is idempotent: the same content twice gives the same id and one blob', async () => {
    const file = await makeTestFile(temp.dir, 'a.bin', patternBytes(70_000), 'application/octet-stream');
    const first = await provider.upload(file.request('file-extract'));
    const second = await provider.upload(file.request('file-extract'));
    expect(second.id).toBe(first.id);
    const names = await readdir(path.join(temp.dir, 'data', 'blobs'));
    expect(names.sort()).toEqual([file.sha256, `${first.id}.json`].sort());
  });

  it('keeps one content under two purposes as two files sharing a blob, until both are deleted', async () => {
    const file = await makeTestFile(temp.dir, 'both.pdf', Buffer.from('%PDF-1.4 both'), 'application/pdf');
    const extract = await provider.upload(file.request('file-extract'));
    const batch = await provider.upload(file.request('batch'));
    expect(batch.id).not.toBe(extract.id);
    expect((await provider.list()).map((f) => [f.id, f.purpose]).sort()).toEqual([[extract.id, 'file-extract'], [batch.id, 'batch']].sort());
    const blob = path.join(temp.dir, 'data', 'blobs', file.sha256);

    expect(await provider.delete(extract.id)).toEqual({ alreadyGone: false });
    expect(await readFile(blob, 'utf8')).toBe('%PDF-1.4 both');
    expect(await provider.list()).toEqual([batch]);

    expect(await provider.delete(batch.id)).toEqual({ alreadyGone: false });
    expect(await readdir(path.join(temp.dir, 'data', 'blobs'))).toEqual([]);
  });

  it('still deletes a file stored under an id from before purposes counted', async () => {
    const file = await makeTestFile(temp.dir, 'old.pdf', Buffer.from('%PDF-1.4 old'), 'application/pdf');
    const current = await provider.upload(file.request('file-extract'));
    const dir = path.join(temp.dir, 'data', 'blobs');
    const oldId = `local-${file.sha256.slice(0, 24)}`;
    await rename(path.join(dir, `${current.id}.json`), path.join(dir, `${oldId}.json`));
    expect(await provider.delete(oldId)).toEqual({ alreadyGone: false });
    expect(await readdir(dir)).toEqual([]);
  });

  it('hashes what it writes itself unless the body already hashed the same read', async () => {
    const file = await makeTestFile(temp.dir, 'later.pdf', patternBytes(100_000), 'application/pdf');
    const own = await provider.upload(file.request('batch', { sha256: undefined }));
    expect(own.id).toBe(localFileId(file.sha256, 'batch'));

    // A body that hashed its read: the blob is named by that hash, with no second pass.
    const claimed = 'ab'.repeat(32);
    const hashingBody = { ...file.body, completedSha256: () => claimed };
    const trusted = await provider.upload({ body: hashingBody, purpose: 'file-extract' });
    expect(trusted.id).toBe(localFileId(claimed, 'file-extract'));
    expect(await readdir(path.join(temp.dir, 'data', 'blobs'))).toContain(claimed);
  });

  it('refuses content that does not match the validated SHA-256 and leaves nothing behind', async () => {
    const file = await makeTestFile(temp.dir, 'c.txt', Buffer.from('original'), 'text/plain');
    await writeFile(file.path, 'tampered'); // same length, different bytes
    await expect(provider.upload(file.request('file-extract'))).rejects.toMatchObject({ name: 'FILE_CHANGED' });
    expect(await readdir(path.join(temp.dir, 'data', 'blobs'))).toEqual([]);
  });

  it("takes the real providers' purposes (and no others) but enforces the configured size limit", async () => {
    for (const purpose of ['file-extract', 'image', 'video', 'batch', 'agent', 'code-interpreter']) expect(validatePurpose(provider, purpose).maxBytes).toBe(1024 * 1024);
    const refused = (() => validatePurpose(provider, 'bogus')) as () => unknown;
    expect(refused).toThrow(expect.objectContaining({ name: 'INVALID_PURPOSE', message: expect.stringContaining('file-extract, image, video, batch, agent, code-interpreter') as unknown }) as unknown as Error);
    expect(() => validatePurpose(provider, '')).toThrow(expect.objectContaining({ name: 'INVALID_PURPOSE' }) as unknown as Error);
    const file = await makeTestFile(temp.dir, 'big.bin', patternBytes(1024 * 1024 + 1), 'application/octet-stream');
    await expect(provider.upload(file.request('batch'))).rejects.toMatchObject({ name: 'PROVIDER_FILE_TOO_LARGE' });
    expect(file.opens()).toBe(0);
  });

  it('refuses ids that are not local ids instead of touching other paths', async () => {
    await expect(provider.delete('../../etc/passwd')).rejects.toMatchObject({ name: 'PROVIDER_REJECTED' });
  });
});
