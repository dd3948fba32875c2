/** The upload body re-opens and re-verifies the validated file on every attempt. */
import { createHash } from 'node:crypto';
import { appendFile, mkdtemp, open, readdir, rm, symlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ExaiError } from '../../../../src/core/errors.js';
import { createUploadBody } from '../../../../src/core/upload/body.js';
import type { ValidatedFile } from '../../../../src/core/upload/types.js';
import type { BodyReader } from '../../../../src/providers/types.js';
import { inspectFile } from '../../../../src/core/validate/index.js';
import { DEFAULT_ALLOWED_MIME_TYPES, DEFAULT_BLOCKED_EXTENSIONS } from '../../../../src/core/validate/defaults.js';

// Every temp dir this file makes, removed after its last test.
const temps: string[] = [];
afterAll(async () => {
  await Promise.all(temps.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
});

const RULES = { maxFileSize: 1 << 30, allowedMimeTypes: [...DEFAULT_ALLOWED_MIME_TYPES], blockedExtensions: [...DEFAULT_BLOCKED_EXTENSIONS], allowActiveContent: false };

async function validated(content: string | Buffer): Promise<{ file: ValidatedFile; policy: { roots: string[]; allowExternal: boolean; allowHardlinks: boolean; cwd: string }; full: string }> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'exai-body-'));
  temps.push(dir);
  const full = path.join(dir, 'notes.txt');
  await writeFile(full, content);
  const policy = { roots: [dir], allowExternal: false, allowHardlinks: false, cwd: dir };
  const inspection = await inspectFile('notes.txt', { policy, rules: RULES });
  expect(inspection.valid).toBe(true);
  const facts = inspection.facts!;
  return { file: { displayPath: 'notes.txt', facts, identity: inspection.identity!, sha256: facts.read.sha256! }, policy, full };
}

// Copies each chunk: the reader reuses its buffers once the next chunk is asked for.
async function drain(reader: BodyReader, slowly = false): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of reader) {
    chunks.push(Buffer.from(chunk));
    if (slowly) await new Promise((resolve) => setTimeout(resolve, 2));
  }
  return Buffer.concat(chunks);
}

describe('createUploadBody', () => {
  it('streams exactly the validated bytes, every time it is opened', async () => {
    const content = 'line of text\n'.repeat(800_000);
    const { file, policy } = await validated(content);
    const body = createUploadBody(file, policy);
    for (let attempt = 0; attempt < 2; attempt++) {
      const bytes = await drain(await body.open(), attempt === 1);
      expect(bytes.length).toBe(body.size);
      expect(createHash('sha256').update(bytes).digest('hex')).toBe(file.sha256);
    }
  });

  it('refuses to open a file that changed after validation', async () => {
    const { file, policy, full } = await validated('hello\n');
    await appendFile(full, 'more\n');
    await expect(createUploadBody(file, policy).open()).rejects.toMatchObject({ name: 'FILE_CHANGED' });
  });

  it('fails the stream when the file is rewritten in place while it is read', async () => {
    const { file, policy, full } = await validated('x'.repeat(4 * 1024 * 1024));
    const reader = await createUploadBody(file, policy).open();
    let first = true;
    const reading = (async () => {
      for await (const _chunk of reader) {
        if (!first) continue;
        first = false;
        const handle = await open(full, 'r+');
        await handle.write('y', 0);
        await handle.close();
      }
    })();
    await expect(reading).rejects.toMatchObject({ name: 'FILE_CHANGED' });
  });

  it('fails with FILE_CHANGED when the file shrinks while it is read', async () => {
    const { file, policy, full } = await validated('w'.repeat(3 * 1024 * 1024));
    const reader = await createUploadBody(file, policy).open();
    const reading = (async () => {
      let first = true;
      for await (const _chunk of reader) {
        if (!first) continue;
        first = false;
        const handle = await open(full, 'r+');
        await handle.truncate(1024);
        await handle.close();
      }
    })();
    await expect(reading).rejects.toMatchObject({ name: 'FILE_CHANGED' });
  });

  for (const [label, bytes] of [['one chunk', 100_000], ['several chunks', 3 * 1024 * 1024]] as const) {
    it(`refuses a file swapped for a symlink after validation (${label}), before reading a byte`, async () => {
      const { file, policy, full } = await validated('s'.repeat(bytes));
      const outside = await mkdtemp(path.join(os.tmpdir(), 'exai-body-outside-'));
      temps.push(outside);
      await writeFile(path.join(outside, 'secret.txt'), 's'.repeat(bytes));
      await rm(full);
      await symlink(path.join(outside, 'secret.txt'), full);
      const error = await createUploadBody(file, policy).open().catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ExaiError);
      expect(['SYMLINK_REJECTED', 'PATH_OUTSIDE_ROOTS', 'FILE_CHANGED']).toContain((error as ExaiError).name);
    });
  }

  it('closes the file when the reader is closed without being read', async () => {
    const { file, policy } = await validated('never read\n');
    const reader = await createUploadBody(file, policy).open();
    const before = await openFdCount();
    await reader.close();
    await reader.close();
    expect(await openFdCount()).toBe(before - 1);
  });
});

async function openFdCount(): Promise<number> {
  return (await readdir('/proc/self/fd')).length;
}
