import fs from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { storedContentType } from '../../../../src/core/files/facts.js';
import type { PathPolicy } from '../../../../src/core/files/types.js';
import { DEFAULT_ALLOWED_MIME_TYPES, DEFAULT_BLOCKED_EXTENSIONS, inspectFile, type FileInspection, type RuleConfig } from '../../../../src/core/validate/index.js';
import { inspectForUpload } from '../../../../src/core/upload/inspect-head.js';
import { buildRealFormats, type RealFormats } from '../../../fixtures/real-formats.js';

let formats: RealFormats;
let policy: PathPolicy;
const rules: RuleConfig = {
  maxFileSize: 64 * 1024 * 1024,
  allowedMimeTypes: DEFAULT_ALLOWED_MIME_TYPES,
  blockedExtensions: DEFAULT_BLOCKED_EXTENSIONS,
  allowActiveContent: false,
};

beforeAll(async () => {
  formats = await buildRealFormats();
  policy = { roots: [formats.dir], allowExternal: false, allowHardlinks: false, cwd: formats.dir };
});

afterAll(async () => {
  await formats.remove();
});

const inspect = (name: string, cfg: RuleConfig = rules): Promise<FileInspection> => inspectFile(name, { policy, rules: cfg });
const names = (inspection: FileInspection): string[] => inspection.errors.map((error) => error.name);

// Every real document, the MIME it must be reported as, and its own extension.
const DOCUMENTS: readonly [string, string][] = [
  ['report.doc', 'application/msword'],
  ['sheet.xls', 'application/vnd.ms-excel'],
  ['slides.ppt', 'application/vnd.ms-powerpoint'],
  ['report.docx', 'application/vnd.openxmlformats-officedocument.wordprocessingml.document'],
  ['sheet.xlsx', 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet'],
  ['slides.pptx', 'application/vnd.openxmlformats-officedocument.presentationml.presentation'],
  ['report.odt', 'application/vnd.oasis.opendocument.text'],
  ['sheet.ods', 'application/vnd.oasis.opendocument.spreadsheet'],
  ['slides.odp', 'application/vnd.oasis.opendocument.presentation'],
  ['book.epub', 'application/epub+zip'],
];
const DOC_EXTS = [...DOCUMENTS.map(([name]) => path.extname(name)), '.pdf', '.rtf', '.msg', '.docm', '.xlsm', '.pptm'];

async function renamed(name: string, ext: string): Promise<string> {
  const target = `${path.basename(name, path.extname(name))}-as-${ext.slice(1)}-${path.extname(name).slice(1)}${ext}`;
  await fs.copyFile(path.join(formats.dir, name), path.join(formats.dir, target));
  return target;
}

describe('real documents, read by their container directories', () => {
  it.each(DOCUMENTS)('accepts %s as %s', async (name, mime) => {
    const result = await inspect(name);
    expect(names(result)).toEqual([]);
    expect(result.facts?.mimeType).toBe(mime);
  });

  it.each(DOCUMENTS)('rejects %s renamed to every other document extension', async (name) => {
    for (const ext of DOC_EXTS.filter((e) => e !== path.extname(name))) {
      const result = await inspect(await renamed(name, ext));
      expect(names(result), `${name} as ${ext}`).toEqual(['EXTENSION_MISMATCH']);
    }
  });

  it('rejects a Windows Installer package as an executable, whatever its document name', async () => {
    expect(formats.has('setup.msi'), 'wixl (Debian package wixl) builds the MSI').toBe(true);
    for (const ext of ['.doc', '.xls', '.ppt', '.docx', '.pdf']) {
      const result = await inspect(await renamed('setup.msi', ext));
      expect(names(result)).toContain('EXECUTABLE_CONTENT');
      expect(result.errors[0]?.message).toMatch(/Windows Installer/);
    }
    expect(names(await inspect('setup.msi'))).toEqual(['BLOCKED_EXTENSION', 'EXECUTABLE_CONTENT']);
  });
});

describe('crafted zips', () => {
  it('rejects a docx without [Content_Types].xml, saying what is missing', async () => {
    const result = await inspect('no-content-types.docx');
    expect(names(result)).toEqual(['MIME_NOT_ALLOWED', 'EXTENSION_MISMATCH']);
    expect(result.errors[1]?.message).toMatch(/content is zip \(application\/zip\): it has word\/document\.xml but no \[Content_Types\]\.xml/);
  });

  it('rejects a macro-enabled document renamed .docx: active content, and not a docx', async () => {
    const result = await inspect('macros.docx');
    expect(names(result)).toEqual(['ACTIVE_CONTENT', 'EXTENSION_MISMATCH']);
    expect(result.errors[0]?.message).toMatch(/macros/);
    expect(result.facts?.sniffedExt).toBe('docm');
  });

  it('lets a macro document through only when active content is allowed, under its own type', async () => {
    const target = await renamed('macros.docx', '.docm');
    const allowed = { ...rules, allowActiveContent: true, allowedMimeTypes: [...rules.allowedMimeTypes, 'application/vnd.ms-word.document.macroEnabled.12'] };
    expect(names(await inspect(target, allowed))).toEqual([]);
  });

  it('stores a macro document let through by name as text/plain, never under a type that runs', async () => {
    const target = await renamed('macros.docx', '.docm');
    const allowed = { ...rules, explicitMimeTypes: ['application/vnd.ms-word.document.macroEnabled.12'], allowedMimeTypes: [...rules.allowedMimeTypes, 'application/vnd.ms-word.document.macroEnabled.12'] };
    const result = await inspect(target, allowed);
    expect(names(result)).toEqual([]);
    expect(storedContentType(result.facts!)).toBe('text/plain');
    expect(storedContentType((await inspect('report.docx')).facts!)).toBe(DOCUMENTS[3]![1]);
  });

  it('rejects a zip bomb by its declared size, and by its ratio, without unpacking it', async () => {
    expect(names(await inspect('declared-bomb.docx'))).toEqual(['ARCHIVE_BOMB']);
    const ratio = await inspect('ratio-bomb.docx');
    expect(names(ratio)).toEqual(['ARCHIVE_BOMB']);
    expect(ratio.errors[0]?.message).toMatch(/:1, over 100:1/);
  });

  it('takes the unpacked-size limit from the rules', async () => {
    expect(names(await inspect('report.docx', { ...rules, maxUnpackedSize: 1000 }))).toEqual(['ARCHIVE_BOMB']);
  });

  it('rejects entries named with .. or an absolute path, naming them', async () => {
    const zip = await inspect('traversal.zip');
    expect(names(zip)).toContain('UNSAFE_ARCHIVE_ENTRY');
    expect(zip.errors.find((e) => e.name === 'UNSAFE_ARCHIVE_ENTRY')?.message).toMatch(/"\.\.\/\.\.\/etc\/cron\.d\/evil", "\/tmp\/absolute\.txt"/);
    expect(names(await inspect('traversal.docx'))).toEqual(['UNSAFE_ARCHIVE_ENTRY']);
  });

  it('rejects a plain zip larger than the sniff window that is named .docx', async () => {
    const result = await inspect('plain-big.docx');
    expect(names(result)).toEqual(['MIME_NOT_ALLOWED', 'EXTENSION_MISMATCH']);
    expect(result.facts?.sniffedExt).toBe('zip');
  });
});

describe('big containers (async read, and upload’s head-only check)', () => {
  it('proves a 9 MiB docx and rejects a 9 MiB plain zip named .docx, in validate and in upload', async () => {
    expect(names(await inspect('padded.docx'))).toEqual([]);
    expect(names(await inspect('plain-9m.docx'))).toContain('EXTENSION_MISMATCH');
    const upload = { policy, rules };
    expect(names(await inspectForUpload('padded.docx', upload))).toEqual([]);
    const plain = await inspectForUpload('plain-9m.docx', upload);
    expect(names(plain)).toContain('EXTENSION_MISMATCH');
    expect(plain.facts?.read.sha256).toBeUndefined(); // judged from the head and the directory, not a full read
  });
});

describe('sniffing past the first 64 KiB', () => {
  it('recognises a TIFF whose first image directory is at 177 KB', async () => {
    const result = await inspect('far-ifd.tiff');
    expect(names(result)).toEqual([]);
    expect(result.facts?.mimeType).toBe('image/tiff');
  });

  it('finds AAC and FLAC behind a 100 KB ID3 tag instead of calling them MP3', async () => {
    expect((await inspect('tagged.aac')).facts?.sniffedExt).toBe('aac');
    expect(formats.has('tagged.flac'), 'sox (Debian package sox) builds the FLAC').toBe(true);
    const flac = await inspect('tagged.flac');
    expect(flac.facts?.sniffedExt).toBe('flac');
    expect(names(flac)).not.toContain('EXTENSION_MISMATCH');
  });
});

describe('right reasons', () => {
  it('calls AMR audio audio, not a #! script', async () => {
    const result = await inspect('voice.amr');
    expect(names(result)).not.toContain('EXECUTABLE_CONTENT');
    expect(result.facts?.mimeType).toBe('audio/amr');
  });

  it('accepts the name archive.tar.gz for a gzipped tar (rejected for its type, not its name)', async () => {
    expect(names(await inspect('archive.tar.gz'))).toEqual(['MIME_NOT_ALLOWED']);
  });

  it('tells an MPEG transport stream .mts from a TypeScript .mts', async () => {
    const video = await inspect('clip.mts');
    expect(video.facts?.mimeType).toBe('video/mp2t');
    expect(names(video)).toEqual(['MIME_NOT_ALLOWED']);
    const code = await inspect('module.mts');
    expect(names(code)).toEqual([]);
    expect(code.facts?.mimeType).toBe('text/x-typescript');
  });

  it.each([
    ['meeting.ics', 'text/calendar', []],
    ['person.vcf', 'text/vcard', []],
    ['captions.vtt', 'text/vtt', []],
    ['page.ps', 'application/postscript', ['MIME_NOT_ALLOWED']],
    ['figure.eps', 'application/eps', ['MIME_NOT_ALLOWED']],
    ['secret.asc', 'application/pgp-encrypted', ['MIME_NOT_ALLOWED']],
    ['cube.stl', 'model/stl', ['MIME_NOT_ALLOWED']],
  ])('gives %s its own type %s', async (name, mime, errors) => {
    const result = await inspect(name);
    expect(result.facts?.mimeType).toBe(mime);
    expect(names(result)).toEqual(errors);
  });
});
