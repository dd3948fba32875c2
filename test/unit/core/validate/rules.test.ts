import fs from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PathPolicy } from '../../../../src/core/files/types.js';
import {
  DEFAULT_ALLOWED_MIME_TYPES,
  DEFAULT_BLOCKED_EXTENSIONS,
  inspectFile,
  isMimeAllowed,
  type RuleConfig,
} from '../../../../src/core/validate/index.js';
import { docxBytes, jpegBytes, makeTempDir, pdfBytes, writeFixture, zipBytes } from '../../../fixtures/files.js';

let dir: string;
let policy: PathPolicy;
const rules: RuleConfig = {
  maxFileSize: 10 * 1024 * 1024,
  allowedMimeTypes: DEFAULT_ALLOWED_MIME_TYPES,
  blockedExtensions: DEFAULT_BLOCKED_EXTENSIONS,
  allowActiveContent: false,
};

beforeAll(async () => {
  dir = await makeTempDir('exai-rules-');
  policy = { roots: [dir], allowExternal: false, allowHardlinks: false, cwd: dir };
});

afterAll(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

async function errorsFor(name: string, content: string | Buffer, cfg: RuleConfig = rules): Promise<string[]> {
  await writeFixture(dir, name, content);
  const result = await inspectFile(name, { policy, rules: cfg });
  return result.errors.map((error) => error.name);
}

async function mimeOf(name: string, content: string | Buffer): Promise<string | undefined> {
  await writeFixture(dir, name, content);
  return (await inspectFile(name, { policy, rules })).facts?.mimeType;
}

describe('blocked extensions', () => {
  it('blocks any dotted segment, case-insensitively, after trailing dots and spaces', async () => {
    for (const name of ['a.EXE', 'a.exe.', 'a.exe ', 'a.exe.pdf', 'Report.PDF.Bat']) {
      expect(await errorsFor(name, pdfBytes()), name).toContain('BLOCKED_EXTENSION');
    }
  });

  it('leaves .js and ordinary names alone', async () => {
    expect(await errorsFor('app.js', 'console.log(1);\n')).toEqual([]);
    expect(await errorsFor('.hidden.md', '# hidden\n')).toEqual([]);
  });
});

describe('type detection', () => {
  it('treats .jpg and .jpeg as the same type', async () => {
    expect(await errorsFor('a.jpg', jpegBytes())).toEqual([]);
    expect(await errorsFor('a.jpeg', jpegBytes())).toEqual([]);
    expect(await mimeOf('b.JPEG', jpegBytes())).toBe('image/jpeg');
  });

  it('gives text files their MIME type from the extension', async () => {
    expect(await mimeOf('data.csv', 'a,b\n1,2\n')).toBe('text/csv');
    expect(await mimeOf('rows.jsonl', '{"a":1}\n{"a":2}\n')).toBe('application/jsonl');
    expect(await mimeOf('main.py', 'print("hi")\n')).toBe('text/x-python');
    expect(await mimeOf('README', 'just words\n')).toBe('text/plain');
  });

  it('trusts valid text over weak magic hits (ID3, BM)', async () => {
    expect(await errorsFor('tags.txt', 'ID3 tags are how MP3 files carry titles.\n')).toEqual([]);
    expect(await mimeOf('cars.md', 'BMW and Audi\n')).toBe('text/markdown');
  });

  it('rejects text that is not UTF-8 or contains NUL bytes', async () => {
    const utf16 = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('a,b\n1,2\n', 'utf16le')]);
    expect(await errorsFor('utf16.csv', utf16)).toEqual(['INVALID_TEXT']);
    expect(await errorsFor('nul.txt', 'abc\0def\n')).toEqual(['INVALID_TEXT']);
  });

  it('rejects unknown binary content', async () => {
    expect(await errorsFor('blob.dat', Buffer.from([0x00, 0x01, 0x02, 0xff, 0xfe, 0x00]))).toEqual(['UNKNOWN_TYPE']);
  });

  it('rejects text content under a binary extension', async () => {
    expect(await errorsFor('fake.png', 'not really a png\n')).toEqual(['EXTENSION_MISMATCH']);
  });

  it('rejects types that are recognised but not allowed', async () => {
    const zip = Buffer.concat([Buffer.from([0x50, 0x4b, 3, 4, 20, 0, 0, 0, 0, 0]), Buffer.alloc(20), Buffer.from('a')]);
    expect(await errorsFor('bundle.zip', zip)).toEqual(['MIME_NOT_ALLOWED']);
  });

  it('flags an empty file', async () => {
    expect(await errorsFor('empty.txt', '')).toEqual(['FILE_EMPTY']);
  });

  it('checks the size limit on bytes read', async () => {
    expect(await errorsFor('big.pdf', pdfBytes(), { ...rules, maxFileSize: 100 })).toEqual(['FILE_TOO_LARGE']);
  });
});

describe('active content', () => {
  it('rejects HTML by name or by content', async () => {
    expect(await errorsFor('page.html', '<p>hi</p>\n')).toEqual(['ACTIVE_CONTENT']);
    expect(await errorsFor('page.txt', '<!DOCTYPE html>\n<html><body>hi</body></html>\n')).toEqual(['ACTIVE_CONTENT']);
  });

  it('rejects XML that embeds SVG or script, but not plain XML', async () => {
    const embedded = '<?xml version="1.0"?>\n<doc><svg xmlns="http://www.w3.org/2000/svg"/></doc>\n';
    expect(await errorsFor('data.xml', embedded)).toEqual(['ACTIVE_CONTENT']);
    expect(await errorsFor('plain.xml', '<?xml version="1.0"?>\n<doc><item>1</item></doc>\n')).toEqual([]);
  });

  it('does not treat Markdown that mentions <script> in a code block as active', async () => {
    expect(await errorsFor('guide.md', '# Guide\n\n```html\n<script>x()</script>\n```\n')).toEqual([]);
  });
});

describe('isMimeAllowed', () => {
  it('matches exact types, trailing-* prefixes, and ignores parameters and case', () => {
    expect(isMimeAllowed('image/png', ['image/*'])).toBe(true);
    expect(isMimeAllowed('audio/ogg; codecs=opus', ['audio/ogg'])).toBe(true);
    expect(isMimeAllowed('Text/Plain', ['text/plain'])).toBe(true);
    expect(isMimeAllowed('application/zip', ['application/pdf'])).toBe(false);
  });

  it('gives the answer of the plain per-entry comparison for odd entries and types', () => {
    const reference = (mime: string, allowed: readonly string[]): boolean => {
      const bare = (mime.split(';')[0] ?? '').trim().toLowerCase();
      return allowed.some((entry) => {
        const pattern = entry.trim().toLowerCase();
        return pattern.endsWith('*') ? bare.startsWith(pattern.slice(0, -1)) : bare === pattern;
      });
    };
    const lists = [[], ['*'], [' Image/* ', 'TEXT/plain'], ['text/plain;', 'a*b*', ''], ['application/pdf', 'image/png*']];
    const mimes = ['image/png', ' IMAGE/PNG ; x=1', 'text/plain', 'text/plain;', 'a*b', 'ab', '', ';', 'image/pngx', 'application/pdf'];
    for (const allowed of lists) {
      for (const mime of mimes) expect(isMimeAllowed(mime, allowed), `${mime} in ${JSON.stringify(allowed)}`).toBe(reference(mime, allowed));
    }
  });
});

describe('office documents', () => {
  it('accepts a .docx sniffed as Word and rejects a plain zip named .docx', async () => {
    expect(await errorsFor('letter.docx', docxBytes())).toEqual([]);
    expect(await mimeOf('letter2.docx', docxBytes())).toBe('application/vnd.openxmlformats-officedocument.wordprocessingml.document');
    expect(await errorsFor('letter.pdf', docxBytes())).toEqual(['EXTENSION_MISMATCH']);
    const plainZip = zipBytes([['notes.txt', 'hello']]);
    expect(await errorsFor('fake.docx', plainZip)).toEqual(['MIME_NOT_ALLOWED', 'EXTENSION_MISMATCH']);
  });

  it('accepts a large .docx whose manifest lies past the sniff window', async () => {
    expect(await mimeOf('big.docx', docxBytes(200 * 1024))).toBe('application/vnd.openxmlformats-officedocument.wordprocessingml.document');
  });

  it('rejects a jar whatever it is called', async () => {
    const jar = zipBytes([['META-INF/MANIFEST.MF', 'Manifest-Version: 1.0\n'], ['Main.class', 'x']]);
    expect(await errorsFor('slides.pptx', jar)).toContain('EXECUTABLE_CONTENT');
  });
});
