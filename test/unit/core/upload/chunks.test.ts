/** readChunks: exact bytes in order from two reused buffers, short reads reported, early exits clean. */
import { createHash } from 'node:crypto';
import { mkdtemp, open, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readChunks } from '../../../../src/core/upload/chunks.js';

// Every temp dir this file makes, removed after its last test.
const temps: string[] = [];
afterAll(async () => {
  await Promise.all(temps.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
});

const shortRead = (expected: number, got: number): Error => new Error(`short: ${got}/${expected}`);

async function fileWith(content: Buffer): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'exai-chunks-'));
  temps.push(dir);
  const file = path.join(dir, 'data.bin');
  await writeFile(file, content);
  return file;
}

function pattern(length: number): Buffer {
  const out = Buffer.alloc(length);
  for (let i = 0; i < length; i++) out[i] = (i * 7 + 3) % 253;
  return out;
}

describe('readChunks', () => {
  it('yields exactly the file bytes in order when each chunk is consumed before the next', async () => {
    const content = pattern(1000 * 1024 + 17);
    const handle = await open(await fileWith(content), 'r');
    const hash = createHash('sha256');
    let chunks = 0;
    for await (const chunk of readChunks(handle, content.length, 64 * 1024, shortRead)) {
      hash.update(chunk);
      chunks++;
    }
    await handle.close();
    expect(hash.digest('hex')).toBe(createHash('sha256').update(content).digest('hex'));
    expect(chunks).toBe(Math.ceil(content.length / (64 * 1024)));
  });

  it('serves the whole file from two buffers (memory stays flat)', async () => {
    const content = pattern(10 * 64 * 1024);
    const handle = await open(await fileWith(content), 'r');
    const backing = new Set<ArrayBufferLike>();
    for await (const chunk of readChunks(handle, content.length, 64 * 1024, shortRead)) backing.add(chunk.buffer);
    await handle.close();
    expect(backing.size).toBe(2);
  });

  it('reads only `size` bytes of a longer file', async () => {
    const content = pattern(300_000);
    const handle = await open(await fileWith(content), 'r');
    let total = 0;
    for await (const chunk of readChunks(handle, 100_000, 64 * 1024, shortRead)) total += chunk.length;
    await handle.close();
    expect(total).toBe(100_000);
  });

  it('reports a file shorter than promised', async () => {
    const handle = await open(await fileWith(pattern(1000)), 'r');
    const reading = (async () => {
      for await (const _chunk of readChunks(handle, 5000, 512, shortRead)) void _chunk;
    })();
    await expect(reading).rejects.toThrow('short: 1000/5000');
    await handle.close();
  });

  it('can be abandoned mid-file without an unhandled rejection from the read ahead', async () => {
    const handle = await open(await fileWith(pattern(512 * 1024)), 'r');
    for await (const _chunk of readChunks(handle, 512 * 1024, 64 * 1024, shortRead)) break;
    await handle.close();
    await new Promise((resolve) => setTimeout(resolve, 20));
  });
});
