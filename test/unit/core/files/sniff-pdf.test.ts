import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileTypeFromBuffer } from 'file-type/core';
import { describe, expect, it } from 'vitest';
import { sniffHead } from '../../../../src/core/files/sniff.js';
import { pdfBytes } from '../../../fixtures/files.js';

const binary = { validUtf8: false, hasNul: true };
const text = { validUtf8: true, hasNul: false };

// Heads that start "%PDF" but carry what other signatures look for further in: a tar
// "ustar" at 257, an Illustrator marker, a zip header, an ID3 tag, MPEG sync bytes.
function trickyPdfHeads(): Buffer[] {
  const tar = Buffer.alloc(1024, 0x20);
  tar.write('%PDF-1.7\n', 0);
  tar.write('ustar\u000000', 257, 'latin1');
  return [
    pdfBytes(),
    readFileSync(path.join(__dirname, '..', '..', '..', '..', 'examples', 'report.pdf')),
    tar,
    Buffer.concat([Buffer.from('%PDF-1.5\n%\xe2\xe3\xcf\xd3\n', 'latin1'), Buffer.alloc(1400, 0xff), Buffer.from('AIPrivateData1')]),
    Buffer.concat([Buffer.from('%PDF'), Buffer.from('PK\x03\x04', 'latin1'), Buffer.alloc(64)]),
    Buffer.concat([Buffer.from('%PDFID3'), Buffer.from([0xff, 0xfb, 0x90, 0x00]), Buffer.alloc(512, 0xff)]),
    Buffer.from('%PDF'),
  ];
}

describe('sniffHead on PDF heads (answered without file-type)', () => {
  it('names every head that starts "%PDF" exactly as file-type does', async () => {
    const notes = Buffer.from('%PDF is how a PDF starts; these are notes about it.\n');
    for (const [head, evidence] of [...trickyPdfHeads().map((h) => [h, binary] as const), [notes, text] as const]) {
      const ours = await sniffHead(head, evidence);
      const theirs = await fileTypeFromBuffer(head);
      expect({ mime: ours.mime, ext: ours.ext }).toEqual({ mime: theirs?.mime, ext: theirs?.ext });
      expect(ours.ext).toBe('pdf');
    }
  });
});
