/**
 * Another process that holds a file in a shared, writable mmap: it dirties every page up
 * front (the only moment the kernel updates mtime and ctime), so each later write through
 * the mapping changes the bytes while size, mtime and ctime stay exactly as they were.
 * That is how a file changes under exai without any stat check noticing (issue 14).
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { stat } from 'node:fs/promises';
import { createInterface } from 'node:readline';

const SCRIPT = `
import mmap, sys
f = open(sys.argv[1], 'r+b')
m = mmap.mmap(f.fileno(), 0, mmap.MAP_SHARED)
for i in range(0, len(m), mmap.PAGESIZE):
    m[i:i + 1] = m[i:i + 1]
print('ready', flush=True)
for line in sys.stdin:
    offset, data = line.split()
    raw = bytes.fromhex(data)
    offset = int(offset)
    if offset < 0:
        offset += len(m)
    m[offset:offset + len(raw)] = raw
    print('ok', flush=True)
m.close()
f.close()
`;

/** A mapping held by a child process; write() changes bytes behind every timestamp. */
export interface MmapRewriter {
  /** Overwrite bytes at `offset` (negative: from the end) through the shared mapping. */
  write(offset: number, bytes: Buffer): Promise<void>;
  close(): Promise<void>;
}

/** Map `file` shared in a python3 child; resolves once every page is dirty. */
export async function mapShared(file: string): Promise<MmapRewriter> {
  const child = spawn('python3', ['-c', SCRIPT, file], { stdio: 'pipe' });
  const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  await expectLine(lines, 'ready', child);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return {
    write: async (offset, bytes) => {
      child.stdin.write(`${offset} ${bytes.toString('hex')}\n`);
      await expectLine(lines, 'ok', child);
    },
    close: async () => {
      child.stdin.end();
      await exited;
    },
  };
}

async function expectLine(lines: AsyncIterator<string>, want: string, child: ChildProcessWithoutNullStreams): Promise<void> {
  const next = await lines.next();
  if (next.done === true || next.value !== want) {
    child.kill();
    throw new Error(`mmap child: expected "${want}", got ${next.done === true ? 'end of output' : JSON.stringify(next.value)}`);
  }
}

/** The parts of a stat that upload's identity checks compare. */
export async function statKey(file: string): Promise<string> {
  const s = await stat(file, { bigint: true });
  return [s.dev, s.ino, s.size, s.mtimeNs, s.ctimeNs].join(':');
}
