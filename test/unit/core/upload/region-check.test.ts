/**
 * The ranges validation reads at random (files/read-regions.ts) and their re-check as the
 * upload streams the file (upload/region-check.ts): any changed byte in them fails, wherever
 * chunk boundaries fall; bytes outside them pass; reads that disagree fail validation itself.
 */
import { describe, expect, it } from 'vitest';
import { inspectZip } from '../../../../src/core/files/zip-format.js';
import { sourceFromBuffer, type RandomSource } from '../../../../src/core/files/random-source.js';
import { parseRegions, recordReads } from '../../../../src/core/files/read-regions.js';
import type { ReadRegions } from '../../../../src/core/files/types.js';
import { createRegionCheck } from '../../../../src/core/upload/region-check.js';
import { docxBytes } from '../../../fixtures/files.js';

/** Stream `bytes` through a check in chunks of `chunk` bytes: true when every range matched. */
function streamPasses(regions: ReadRegions, bytes: Buffer, chunk: number): boolean {
  const check = createRegionCheck(regions)!;
  for (let at = 0; at < bytes.length; at += chunk) if (!check.push(bytes.subarray(at, at + chunk), at)) return false;
  return check.complete();
}

async function zipRegions(bytes: Buffer): Promise<ReadRegions> {
  const recorder = recordReads(sourceFromBuffer(bytes));
  expect((await inspectZip(recorder.source)).format).toBe('docx');
  return recorder.regions()!;
}

describe('ranges read by a container reader, re-checked as the file streams past', () => {
  it('pass unchanged, whatever the chunk size, and fail on any changed byte in them', async () => {
    const bytes = docxBytes(200_000);
    const regions = await zipRegions(bytes);
    for (const chunk of [1, 7, 4096, 65_536, bytes.length]) expect(streamPasses(regions, bytes, chunk)).toBe(true);
    const spans = regions.spans;
    // The first, a middle and the last byte of every range.
    for (let i = 0; i < spans.length; i += 2) {
      for (const at of [spans[i]!, spans[i]! + Math.floor(spans[i + 1]! / 2), spans[i]! + spans[i + 1]! - 1]) {
        const changed = Buffer.from(bytes);
        changed[at] = changed[at]! ^ 0x01;
        expect(streamPasses(regions, changed, 4096)).toBe(false);
      }
    }
  });

  it('ignore bytes no reader looked at', async () => {
    const bytes = docxBytes(200_000);
    const regions = await zipRegions(bytes);
    const changed = Buffer.from(bytes);
    changed[100_000] = 0;
    expect(streamPasses(regions, changed, 65_536)).toBe(true);
  });

  it('never complete for ranges past the end of what was sent', () => {
    const regions = { spans: [10, 5], sha256: '0'.repeat(64) };
    expect(streamPasses(regions, Buffer.alloc(12), 4)).toBe(false);
  });

  it('fail validation when two reads of the same bytes disagree (the file changed while read)', async () => {
    let reads = 0;
    const flaky: RandomSource = { size: 100, read: (position, length) => Promise.resolve(Buffer.alloc(Math.min(length, 100 - position), reads++)) };
    const recorder = recordReads(flaky);
    await recorder.source.read(0, 50);
    await recorder.source.read(40, 20);
    expect(() => recorder.regions()).toThrow(expect.objectContaining({ name: 'FILE_CHANGED' }));
  });

  it('merge reads that overlap or touch into disjoint ranges in file order', async () => {
    const bytes = Buffer.from(Array.from({ length: 100 }, (_, i) => i));
    const recorder = recordReads(sourceFromBuffer(bytes));
    for (const [position, length] of [[60, 10], [0, 10], [5, 10], [15, 5], [90, 20]] as const) await recorder.source.read(position, length);
    const regions = recorder.regions()!;
    expect(regions.spans).toEqual([0, 20, 60, 10, 90, 10]);
    expect(streamPasses(regions, bytes, 8)).toBe(true);
  });
});

describe('ranges as a hash-cache row holds them', () => {
  it('are taken only when well formed', () => {
    const sha256 = 'a'.repeat(64);
    expect(parseRegions({ spans: [0, 10, 20, 5], sha256 })).toEqual({ spans: [0, 10, 20, 5], sha256 });
    for (const bad of [null, { spans: [0, 10], sha256: 'x' }, { spans: [0], sha256 }, { spans: [0, 10, 5, 5], sha256 }, { spans: [0, 0], sha256 }, { spans: [-1, 2], sha256 }, { spans: ['0', 2], sha256 }]) {
      expect(parseRegions(bad)).toBeUndefined();
    }
  });
});
