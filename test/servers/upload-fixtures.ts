/** Test helpers for provider tests: a real file on disk as an UploadBody, a fake clock, a temp dir. */
import { createHash } from 'node:crypto';
import { mkdtemp, open, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { readChunks } from '../../src/core/upload/chunks.js';
import type { BodyReader, UploadBody, UploadRequest } from '../../src/providers/types.js';

export interface TestFile {
  path: string;
  sha256: string;
  size: number;
  body: UploadBody;
  /** How many times body.open() was called. */
  opens(): number;
  request(purpose: string, extra?: Partial<UploadRequest>): UploadRequest;
}

/** Write `content` to `<dir>/<name>` and describe it as an upload body that counts its opens. */
export async function makeTestFile(dir: string, name: string, content: Buffer, mimeType = 'application/pdf'): Promise<TestFile> {
  const file = path.join(dir, name);
  await writeFile(file, content);
  const sha256 = createHash('sha256').update(content).digest('hex');
  let opens = 0;
  const body: UploadBody = {
    open: () => {
      opens++;
      return openReader(file, content.length);
    },
    size: content.length,
    filename: name,
    mimeType,
  };
  return {
    path: file,
    sha256,
    size: content.length,
    body,
    opens: () => opens,
    request: (purpose, extra = {}) => ({ body, purpose, sha256, ...extra }),
  };
}

// The real reader (two reused buffers), in chunks small enough that every test file spans many.
async function openReader(file: string, size: number): Promise<BodyReader> {
  const handle = await open(file, 'r');
  let closing: Promise<void> | undefined;
  const close = (): Promise<void> => (closing ??= handle.close().catch(() => undefined));
  return {
    async *[Symbol.asyncIterator]() {
      try {
        yield* readChunks(handle, size, 128 * 1024, (expected, got) => new Error(`short read: ${got} of ${expected}`));
      } finally {
        await close();
      }
    },
    close,
  };
}

/** Deterministic bytes of a given length. */
export function patternBytes(length: number): Buffer {
  const out = Buffer.alloc(length);
  for (let i = 0; i < length; i++) out[i] = (i * 31 + 7) % 251;
  return out;
}

/** A clock whose sleep only records the delay and moves time forward. */
export function createFakeClock(start = 1_700_000_000_000): { now(): number; sleep(ms: number): Promise<void>; sleeps: number[]; advance(ms: number): void } {
  let t = start;
  const sleeps: number[] = [];
  return {
    now: () => t,
    sleep: (ms) => {
      sleeps.push(ms);
      t += ms;
      return Promise.resolve();
    },
    sleeps,
    advance: (ms) => {
      t += ms;
    },
  };
}

/** A fresh temp dir and a function that removes it. */
export async function makeTempDir(prefix = 'exai-test-'): Promise<{ dir: string; cleanup(): Promise<void> }> {
  const dir = await mkdtemp(path.join(os.tmpdir(), prefix));
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}
