import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { inspectCfb } from '../../../../src/core/files/cfb-format.js';
import { sniffDeeper } from '../../../../src/core/files/deep-sniff.js';
import { ReadBudgetExceeded, sourceFromBuffer, sourceFromFd } from '../../../../src/core/files/random-source.js';
import { readZipDirectory } from '../../../../src/core/files/zip-directory.js';
import { inspectZip, isUnsafeName } from '../../../../src/core/files/zip-format.js';

// A stored zip written by hand: local headers, central directory, end record.
function zip(entries: { name: string; data?: Buffer; declared?: number }[], opts: { prefix?: Buffer; comment?: string } = {}): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = opts.prefix?.length ?? 0;
  for (const entry of entries) {
    const name = Buffer.from(entry.name);
    const data = entry.data ?? Buffer.alloc(0);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt32LE(data.length, 18);
    local.writeUInt32LE(data.length, 22);
    local.writeUInt16LE(name.length, 26);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt32LE(data.length, 20);
    central.writeUInt32LE(entry.declared ?? data.length, 24);
    central.writeUInt16LE(name.length, 28);
    central.writeUInt32LE(offset - (opts.prefix?.length ?? 0), 42);
    locals.push(local, name, data);
    centrals.push(central, name);
    offset += 30 + name.length + data.length;
  }
  const cd = Buffer.concat(centrals);
  const comment = Buffer.from(opts.comment ?? '');
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(cd.length, 12);
  end.writeUInt32LE(offset - (opts.prefix?.length ?? 0), 16);
  end.writeUInt16LE(comment.length, 20);
  return Buffer.concat([opts.prefix ?? Buffer.alloc(0), ...locals, cd, end, comment]);
}

// The same archive with ZIP64 end records: the classic record's fields all say "see ZIP64".
function zip64(entries: Parameters<typeof zip>[0]): Buffer {
  const plain = zip(entries);
  const endAt = plain.length - 22;
  const cdSize = plain.readUInt32LE(endAt + 12);
  const cdOffset = plain.readUInt32LE(endAt + 16);
  const record = Buffer.alloc(56);
  record.writeUInt32LE(0x06064b50, 0);
  record.writeBigUInt64LE(44n, 4);
  record.writeBigUInt64LE(BigInt(entries.length), 24);
  record.writeBigUInt64LE(BigInt(entries.length), 32);
  record.writeBigUInt64LE(BigInt(cdSize), 40);
  record.writeBigUInt64LE(BigInt(cdOffset), 48);
  const locator = Buffer.alloc(20);
  locator.writeUInt32LE(0x07064b50, 0);
  locator.writeBigUInt64LE(BigInt(endAt), 8);
  locator.writeUInt32LE(1, 16);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(0xffff, 8);
  end.writeUInt16LE(0xffff, 10);
  end.writeUInt32LE(0xffffffff, 12);
  end.writeUInt32LE(0xffffffff, 16);
  return Buffer.concat([plain.subarray(0, endAt), record, locator, end]);
}

const ooxml = [{ name: '[Content_Types].xml', data: Buffer.from('<Types/>') }, { name: 'word/document.xml', data: Buffer.from('<w:document/>') }];

describe('zip central directory', () => {
  it('proves a docx, and names the part a fake one lacks', async () => {
    expect((await inspectZip(sourceFromBuffer(zip(ooxml)))).format).toBe('docx');
    const fake = await inspectZip(sourceFromBuffer(zip([ooxml[1]!])));
    expect(fake).toMatchObject({ format: 'zip', problem: 'it has word/document.xml but no [Content_Types].xml' });
  });

  it('reads ODF and EPUB by the content of their stored mimetype entry', async () => {
    const odt = zip([{ name: 'mimetype', data: Buffer.from('application/vnd.oasis.opendocument.text') }, { name: 'content.xml', data: Buffer.from('<x/>') }]);
    expect((await inspectZip(sourceFromBuffer(odt))).format).toBe('odt');
    const odd = zip([{ name: 'mimetype', data: Buffer.from('application/x-evil') }]);
    expect(await inspectZip(sourceFromBuffer(odd))).toMatchObject({ format: 'zip', problem: 'its mimetype entry names "application/x-evil"' });
  });

  it('finds the directory behind a trailing comment and after prepended bytes', async () => {
    const shifted = zip(ooxml, { prefix: Buffer.alloc(5000, 0x41), comment: 'x'.repeat(3000) });
    expect((await inspectZip(sourceFromBuffer(shifted))).format).toBe('docx');
  });

  it('follows ZIP64 end records', async () => {
    expect((await inspectZip(sourceFromBuffer(zip64(ooxml)))).format).toBe('docx');
    const prefixed = Buffer.concat([Buffer.alloc(1000, 0x4d), zip64(ooxml)]);
    expect((await inspectZip(sourceFromBuffer(prefixed))).format).toBe('docx');
  });

  it('reports truncated, garbage and lying directories instead of throwing', async () => {
    const whole = zip(ooxml);
    for (const broken of [whole.subarray(0, whole.length - 10), Buffer.from('PK\x03\x04 not really'), Buffer.alloc(0)]) {
      expect((await inspectZip(sourceFromBuffer(broken))).problem).toMatch(/./);
    }
    const lying = Buffer.from(whole);
    lying.writeUInt32LE(0x7ffffff0, lying.length - 22 + 16); // directory offset far past the end
    expect((await inspectZip(sourceFromBuffer(lying))).problem).toMatch(/./);
  });

  it('sums declared sizes and lists unsafe names', async () => {
    const facts = await inspectZip(sourceFromBuffer(zip([{ name: 'a', declared: 4_000_000_000 }, { name: '../../x', declared: 3_000_000_000 }, { name: 'C:\\evil' }, { name: 'ok/../../y' }])));
    expect(facts.declaredBytes).toBe(7_000_000_000);
    expect(facts.unsafeNames).toEqual(['../../x', 'C:\\evil', 'ok/../../y']);
    expect(['a/..b', 'a/b..', 'x/y', 'ab:c', '1:x', '...', 'a.../b'].map(isUnsafeName)).toEqual([false, false, false, false, false, false, false]);
    expect(['..', 'x/..', 'a\\..\\b', '/etc/passwd', '\\\\server\\share', 'z:x', 'Z:/x', '..\\x'].map(isUnsafeName)).toEqual([true, true, true, true, true, true, true, true]);
  });

  it('reports a directory larger than any document has without reading it', async () => {
    const huge = zip(ooxml);
    huge.writeUInt16LE(60_000, huge.length - 22 + 10);
    expect(await readZipDirectory(sourceFromBuffer(huge))).toEqual({ entries: [], tooMany: true });
  });

  it('refuses reads past the byte budget of a source', async () => {
    const fd = fs.openSync('/dev/zero', 'r');
    try {
      const source = sourceFromFd(fd, 1 << 30, 4096);
      expect((await source.read(0, 4096)).length).toBe(4096);
      await expect(source.read(1 << 20, 1)).rejects.toBeInstanceOf(ReadBudgetExceeded);
    } finally {
      fs.closeSync(fd);
    }
  });

  it('holds bytes already in memory to the same budget (a small file is judged from its pass)', async () => {
    const source = sourceFromBuffer(Buffer.alloc(10_000), 4096);
    expect((await source.read(0, 4096)).length).toBe(4096);
    expect((await source.read(20_000, 10)).length).toBe(0); // past the end reads nothing and costs nothing
    await expect(source.read(5000, 1)).rejects.toBeInstanceOf(ReadBudgetExceeded);
  });
});

// A minimal compound file: header, one FAT sector, one directory sector.
function cfb(children: string[], opts: { clsid?: Buffer; loop?: boolean } = {}): Buffer {
  const sector = 512;
  const header = Buffer.alloc(512, 0);
  Buffer.from('d0cf11e0a1b11ae1', 'hex').copy(header);
  header.writeUInt16LE(0xfffe, 0x1c);
  header.writeUInt16LE(9, 0x1e);
  header.writeUInt32LE(1, 0x2c);
  header.writeUInt32LE(1, 0x30); // directory starts at sector 1
  header.writeUInt32LE(0xfffffffe, 0x44);
  for (let i = 0; i < 109; i++) header.writeUInt32LE(0xffffffff, 0x4c + i * 4);
  header.writeUInt32LE(0, 0x4c); // FAT is sector 0
  const fat = Buffer.alloc(sector, 0xff);
  fat.writeUInt32LE(0xfffffffd, 0);
  fat.writeUInt32LE(opts.loop === true ? 1 : 0xfffffffe, 4);
  const dir = Buffer.alloc(sector, 0);
  const entry = (i: number, name: string, type: number, left: number, right: number, child: number): void => {
    const at = i * 128;
    dir.write(name, at, 'utf16le');
    dir.writeUInt16LE((name.length + 1) * 2, at + 0x40);
    dir[at + 0x42] = type;
    dir.writeUInt32LE(left, at + 0x44);
    dir.writeUInt32LE(right, at + 0x48);
    dir.writeUInt32LE(child, at + 0x4c);
  };
  entry(0, 'Root Entry', 5, 0xffffffff, 0xffffffff, children.length > 0 ? 1 : 0xffffffff);
  opts.clsid?.copy(dir, 0x50);
  // Up to three children, chained as right siblings: 1 → 2 → 3.
  const count = Math.min(3, children.length);
  children.slice(0, count).forEach((name, i) => entry(i + 1, name, 2, 0xffffffff, i + 1 < count ? i + 2 : 0xffffffff, 0xffffffff));
  return Buffer.concat([header, fat, dir]);
}

describe('compound file directory', () => {
  it('tells Word, Excel and PowerPoint apart by their root streams', async () => {
    expect((await inspectCfb(sourceFromBuffer(cfb(['WordDocument', '1Table'])))).format).toBe('doc');
    expect((await inspectCfb(sourceFromBuffer(cfb(['Workbook'])))).format).toBe('xls');
    expect((await inspectCfb(sourceFromBuffer(cfb(['Current User', 'PowerPoint Document'])))).format).toBe('ppt');
  });

  it('calls an installer an installer, by CLSID or by its packed table streams', async () => {
    const msiClsid = Buffer.from('84100c0000000000c000000000000046', 'hex');
    expect((await inspectCfb(sourceFromBuffer(cfb(['WordDocument'], { clsid: msiClsid })))).format).toBe('msi');
    expect((await inspectCfb(sourceFromBuffer(cfb(['\u4840\u3b3f\u4577', 'WordDocument'])))).format).toBe('msi');
  });

  it('sees macros, and reports an empty root, a looping chain and garbage without throwing', async () => {
    expect((await inspectCfb(sourceFromBuffer(cfb(['WordDocument', 'Macros'])))).macros).toBe(true);
    expect((await inspectCfb(sourceFromBuffer(cfb([])))).problem).toMatch(/no document stream/);
    expect((await inspectCfb(sourceFromBuffer(cfb(['WordDocument'], { loop: true })))).problem).toMatch(/looping/);
    expect((await inspectCfb(sourceFromBuffer(Buffer.alloc(600, 0xd0)))).problem).toMatch(/header/);
  });
});

describe('mutated real containers', () => {
  // Deterministic byte flips over LibreOffice's files: every variant must give an answer,
  // never an exception, and never read more than its budget.
  it.each(['report.docx', 'sheet.xlsx', 'report.odt', 'report.doc', 'sheet.xls'])('survives 300 mutations of %s', async (name) => {
    const original = fs.readFileSync(path.resolve('test/fixtures/office', name));
    let seed = 7;
    const next = (): number => (seed = (seed * 1103515245 + 12345) % 2 ** 31);
    for (let round = 0; round < 300; round++) {
      const bytes = Buffer.from(original);
      // Flip bytes near the end (zip directories) and near the start (compound file header/FAT).
      for (let flips = 0; flips < 4; flips++) {
        const nearEnd = next() % 2 === 0;
        const at = nearEnd ? bytes.length - 1 - (next() % Math.min(2048, bytes.length)) : next() % Math.min(4096, bytes.length);
        bytes[at] = next() % 256;
      }
      const head = bytes.subarray(0, 64 * 1024);
      const result = await sniffDeeper(head, { ext: name.endsWith('.doc') || name.endsWith('.xls') ? 'cfb' : 'zip', mime: undefined }, sourceFromBuffer(bytes));
      expect(result.container?.kind).toMatch(/^(zip|cfb)$/);
    }
  });
});
