/**
 * `exai validate` judges one version of a file (issue 14's class, validate's side). Its read
 * pass hashes the file, then the container checks read the directory at random; a directory
 * rewritten through a shared mmap between the two (size, mtime and ctime unchanged) would
 * give a verdict built from two files — the hash of one, the directory of the other. The
 * confirming pass must catch it with FILE_CHANGED naming the file, and an untouched file must
 * still validate. The steps run here as inspectFile's large-file path runs them, with the
 * rewrite put exactly between the pass and the directory reads.
 */
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { isExaiError, type ExaiError } from '../../../../src/core/errors.js';
import { analyseContent } from '../../../../src/core/files/facts.js';
import { sourceFromHandle } from '../../../../src/core/files/random-source.js';
import { readPass } from '../../../../src/core/files/read-pass.js';
import { safeOpen } from '../../../../src/core/files/safe-open.js';
import type { OpenedFile, PathPolicy } from '../../../../src/core/files/types.js';
import { confirmJudgedBytes } from '../../../../src/core/validate/confirm-regions.js';
import { DEFAULT_ALLOWED_MIME_TYPES, DEFAULT_BLOCKED_EXTENSIONS, inspectFile, type RuleConfig } from '../../../../src/core/validate/index.js';
import { bigCfbBytes, docxBytes, makeTempDir, MSI_CLSID } from '../../../fixtures/files.js';
import { mapShared } from '../../../helpers/mmap-rewriter.js';
import { rm } from 'node:fs/promises';

const MiB = 1024 * 1024;
const rules: RuleConfig = { maxFileSize: 64 * MiB, allowedMimeTypes: DEFAULT_ALLOWED_MIME_TYPES, blockedExtensions: DEFAULT_BLOCKED_EXTENSIONS, allowActiveContent: false };

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function workspace(): Promise<{ dir: string; policy: PathPolicy }> {
  const dir = await makeTempDir('exai-confirm-');
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  return { dir, policy: { roots: [dir], allowExternal: false, allowHardlinks: false, cwd: dir } };
}

const centralName = (bytes: Buffer) => bytes.lastIndexOf('media/blob.bin');

const SHAPES = [
  { name: 'docx → docm (a vbaProject.bin entry name)', file: 'report.docx', content: () => docxBytes(9 * MiB), change: (b: Buffer) => ({ offset: centralName(b), bytes: Buffer.from('vbaProject.bin') }) },
  { name: 'docx → zip bomb (4 GiB declared unpacked)', file: 'report.docx', content: () => docxBytes(9 * MiB), change: (b: Buffer) => ({ offset: centralName(b) - 46 + 24, bytes: Buffer.from('f0ffffff', 'hex') }) },
  { name: '.doc → Windows Installer (root CLSID)', file: 'report.doc', content: () => bigCfbBytes(2303).bytes, change: () => ({ offset: bigCfbBytes(2303).clsidAt, bytes: MSI_CLSID }) },
];

const statKey = (o: OpenedFile) => o.handle.stat({ bigint: true }).then((s) => `${s.size}/${s.mtimeNs}/${s.ctimeNs}`);
const handleIo = (o: OpenedFile) => ({ readAt: async (buf: Buffer, pos: number) => (await o.handle.read(buf, 0, buf.length, pos)).bytesRead, stat: () => o.handle.stat({ bigint: true }) });

describe('validate: a directory rewritten between the hash pass and the directory reads', () => {
  for (const shape of SHAPES) {
    it(`${shape.name}: FILE_CHANGED naming the file; untouched, it validates`, async () => {
      const { dir, policy } = await workspace();
      const original = shape.content();
      await writeFile(path.join(dir, shape.file), original);
      // Untouched: the whole of inspectFile, confirming pass included, finds nothing wrong.
      const clean = await inspectFile(shape.file, { policy, rules });
      expect(clean.errors).toEqual([]);
      expect(clean.facts?.content.regions?.spans.length).toBeGreaterThan(0);

      const opened = await safeOpen(shape.file, policy);
      cleanups.push(() => opened.handle.close());
      const read = await readPass(opened, { maxBytes: rules.maxFileSize, hash: true });
      const mapping = await mapShared(path.join(dir, shape.file));
      cleanups.push(() => mapping.close());
      const before = await statKey(opened);
      const change = shape.change(original);
      await mapping.write(change.offset, change.bytes);
      expect(await statKey(opened)).toBe(before);
      const content = await analyseContent(read, sourceFromHandle(opened.handle, read.bytesRead));
      const error = await confirmJudgedBytes(opened, handleIo(opened), content).catch((e: unknown) => e);
      expect(isExaiError(error)).toBe(true);
      expect((error as ExaiError).name).toBe('FILE_CHANGED');
      expect((error as ExaiError).path).toBe(shape.file);
      expect((error as ExaiError).message).toContain(JSON.stringify(shape.file));
      expect((error as ExaiError).hint).toBeTruthy();
      // And the file as it is now is judged afresh, for what it has become.
      expect((await inspectFile(shape.file, { policy, rules })).valid).toBe(false);
      expect((await readFile(path.join(dir, shape.file))).equals(original)).toBe(false);
    });
  }

  it('bytes outside the directory changed after the pass: the hash no longer holds, FILE_CHANGED', async () => {
    const { dir, policy } = await workspace();
    const original = docxBytes(9 * MiB);
    await writeFile(path.join(dir, 'report.docx'), original);
    const opened = await safeOpen('report.docx', policy);
    cleanups.push(() => opened.handle.close());
    const read = await readPass(opened, { maxBytes: rules.maxFileSize, hash: true });
    const content = await analyseContent(read, sourceFromHandle(opened.handle, read.bytesRead));
    const mapping = await mapShared(path.join(dir, 'report.docx'));
    cleanups.push(() => mapping.close());
    await mapping.write(4 * MiB, Buffer.from('changed'));
    const error = (await confirmJudgedBytes(opened, handleIo(opened), content).catch((e: unknown) => e)) as ExaiError;
    expect(error.name).toBe('FILE_CHANGED');
  });
});
