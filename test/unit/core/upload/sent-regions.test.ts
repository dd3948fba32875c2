/**
 * What is sent is what was validated, past the head (issue 14): a big binary file is
 * validated from its head plus the container directory read at its end (a zip's central
 * directory, a compound file's directory sectors), and hashed while it is sent. A directory
 * rewritten through a shared mmap — size, mtime and ctime unchanged — after validation must
 * fail the upload FILE_CHANGED before the provider has the whole file, and the next run must
 * judge the new directory, not a cached verdict on the old one.
 */
import { createHash } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { prepareFiles, uploadFile } from '../../../../src/core/upload/index.js';
import { bigCfbBytes, docxBytes, MSI_CLSID } from '../../../fixtures/files.js';
import { expectNothingKept, KIMI, rewriteUnseen, useSentBytesHarness } from '../../../helpers/sent-bytes.js';

const MiB = 1024 * 1024;
const setUp = useSentBytesHarness();

/** A 9 MiB docx: 9 MiB of media first, so the central directory sits 9 MiB past the head. */
function bigDocx(): Buffer {
  return docxBytes(9 * MiB);
}

/** Where the central directory names the media entry (the local header names it too, at 30). */
function centralName(bytes: Buffer): number {
  const at = bytes.lastIndexOf('media/blob.bin');
  expect(at).toBeGreaterThan(9 * MiB);
  return at;
}

interface Shape {
  name: string;
  file: string;
  content: () => Buffer;
  /** The rewrite: where and what, computed from the original bytes. */
  change: (bytes: Buffer) => { offset: number; bytes: Buffer };
  /** What validation says once it reads the rewritten file afresh. */
  refusedAs: string;
}

const SHAPES: Shape[] = [
  {
    name: 'docx → docm: the central directory gains a vbaProject.bin entry name',
    file: 'report.docx',
    content: bigDocx,
    // Same length, so only the directory's copy of the name changes.
    change: (bytes) => ({ offset: centralName(bytes), bytes: Buffer.from('vbaProject.bin') }),
    refusedAs: 'ACTIVE_CONTENT',
  },
  {
    name: 'docx → zip bomb: the directory declares 4 GiB unpacked',
    file: 'report.docx',
    content: bigDocx,
    // The central record's uncompressed size sits 46 - 24 bytes before its name.
    change: (bytes) => ({ offset: centralName(bytes) - 46 + 24, bytes: Buffer.from('f0ffffff', 'hex') }),
    refusedAs: 'ARCHIVE_BOMB',
  },
  {
    name: '.doc → Windows Installer: the root entry CLSID becomes MSI’s',
    file: 'report.doc',
    content: () => bigCfbBytes(2303).bytes,
    change: () => ({ offset: bigCfbBytes(2303).clsidAt, bytes: MSI_CLSID }),
    refusedAs: 'EXECUTABLE_CONTENT',
  },
];

describe('a big container whose directory is rewritten through a shared mmap after validation', () => {
  for (const shape of SHAPES) {
    for (const when of ['before the first attempt', 'between two attempts'] as const) {
      it(`${shape.name}, ${when}: FILE_CHANGED, the provider holds no file, no row is active`, async () => {
        const { dir, server, catalog, deps, prepare, map, onRetry, policy, config, hashCache } = await setUp();
        const original = shape.content();
        expect(original.length).toBeGreaterThanOrEqual(9 * MiB);
        await writeFile(path.join(dir, shape.file), original);
        const mapping = await map(shape.file);
        const file = await prepare(shape.file, hashCache);
        // Validated from its head and its directory, not hashed: the hash is learnt while sending.
        expect(file.sha256).toBeUndefined();
        const spans = file.facts.content.regions?.spans ?? [];
        expect(spans[spans.length - 2]).toBeGreaterThan(8 * MiB);
        const change = shape.change(original);
        const rewrite = () => rewriteUnseen(mapping, path.join(dir, shape.file), change.offset, change.bytes);
        if (when === 'before the first attempt') await rewrite();
        else {
          server.setFaults([{ kind: 'server-error', status: 500 }]);
          onRetry(rewrite);
        }
        const outcome = await uploadFile(file, KIMI, deps);
        expect(outcome.status).toBe('failed');
        expect(outcome.error?.name).toBe('FILE_CHANGED');
        expect(outcome.error?.message).toMatch(/archive directory/);
        expect(server.requests.filter((r) => r.method === 'POST').length).toBe(when === 'before the first attempt' ? 1 : 2);
        await expectNothingKept(catalog, server);
        // Nothing vouches for the old directory: the next run reads the new one and refuses it.
        const again = await prepareFiles([shape.file], { policy, rules: config, concurrency: 1, hashCache });
        expect(again.reports[0]?.errors.map((e) => e.name)).toContain(shape.refusedAs);
      });
    }
  }
});

describe('bytes that validation never read', () => {
  it('change in the middle of a big docx: it is uploaded, and the row records the hash of what was sent', async () => {
    const { dir, server, catalog, deps, prepare, map } = await setUp();
    const original = bigDocx();
    await writeFile(path.join(dir, 'report.docx'), original);
    const mapping = await map('report.docx');
    const file = await prepare('report.docx');
    expect(file.sha256).toBeUndefined();
    // Media bytes: no rule judged them (a head-only validation reads the head and the directory).
    await rewriteUnseen(mapping, path.join(dir, 'report.docx'), 4 * MiB, Buffer.from('changed media bytes'));
    const outcome = await uploadFile(file, KIMI, deps);
    expect(outcome.status).toBe('uploaded');
    const sent = createHash('sha256').update(await readFile(path.join(dir, 'report.docx'))).digest('hex');
    expect(sent).not.toBe(createHash('sha256').update(original).digest('hex'));
    const rows = await catalog.list({});
    expect(rows.map((r) => [r.status, r.sha256])).toEqual([['active', sent]]);
    expect([...server.files.values()].map((f) => f.sha256)).toEqual([sent]);
  });
});

describe('a hash-cache entry made by a dry run', () => {
  it('does not vouch for a directory rewritten after it: the upload fails and the next run refuses the docm', async () => {
    const { dir, server, catalog, deps, hashCache, prepare, map, policy, config } = await setUp();
    const original = bigDocx();
    await writeFile(path.join(dir, 'report.docx'), original);
    const mapping = await map('report.docx');
    expect((await uploadFile(await prepare('report.docx', hashCache), { ...KIMI, dryRun: true }, deps)).status).toBe('would-upload');
    await rewriteUnseen(mapping, path.join(dir, 'report.docx'), centralName(original), Buffer.from('vbaProject.bin'));
    // The stat is unchanged, so the cache answers: docx, with the old hash and the old ranges.
    const cached = await prepare('report.docx', hashCache);
    expect(cached.sha256).toBe(createHash('sha256').update(original).digest('hex'));
    expect(cached.facts.content.regions).toBeDefined();
    const outcome = await uploadFile(cached, KIMI, deps);
    expect(outcome.error?.name).toBe('FILE_CHANGED');
    // The cached ranges are re-checked as they stream past, before the last chunk goes out.
    expect(outcome.error?.message).toMatch(/archive directory/);
    await expectNothingKept(catalog, server);
    const again = await prepareFiles(['report.docx'], { policy, rules: config, concurrency: 1, hashCache });
    expect(again.reports[0]?.errors.map((e) => e.name)).toContain('ACTIVE_CONTENT');
  });
});
