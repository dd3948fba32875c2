/** Run the CLI in-process through main(argv, deps) with captured streams and a temp home. */
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { afterAll } from 'vitest';
import { main } from '../../src/cli/main.js';

/** What one in-process run printed and returned. */
export interface MainResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** A Writable that keeps everything written to it. */
export function collect(): Writable & { text: () => string } {
  const chunks: Buffer[] = [];
  const stream = new Writable({
    write(chunk: Buffer | string, _enc, done) {
      chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk));
      done();
    },
  });
  return Object.assign(stream, { text: () => Buffer.concat(chunks).toString('utf8') });
}

export interface Workspace {
  root: string;
  cwd: string;
  env: { EXAI_CONFIG_DIR: string; EXAI_DATA_DIR: string; EXAI_STATE_DIR: string; NO_COLOR: string };
}

// Every workspace this test file made, removed after its last test (registered at import).
const made: string[] = [];
afterAll(async () => {
  await Promise.all(made.splice(0).map((root) => fs.rm(root, { recursive: true, force: true })));
});

/** A temp workspace: `cwd` for the files, and config/data/state dirs beside it (removed after the test file). */
export async function makeWorkspace(): Promise<Workspace> {
  const root = await fs.mkdtemp(path.join(os.tmpdir(), 'exai-cli-'));
  made.push(root);
  const cwd = path.join(root, 'work');
  await fs.mkdir(cwd);
  const env = {
    EXAI_CONFIG_DIR: path.join(root, 'config'),
    EXAI_DATA_DIR: path.join(root, 'data'),
    EXAI_STATE_DIR: path.join(root, 'state'),
    NO_COLOR: '1',
  };
  return { root, cwd: await fs.realpath(cwd), env };
}

/** Run `exai <argv>` in-process. */
export async function runMain(
  argv: string[],
  opts: { cwd: string; env: Record<string, string | undefined>; stderrIsTTY?: boolean },
): Promise<MainResult> {
  const stdout = collect();
  const stderr = collect();
  const code = await main(argv, {
    env: opts.env,
    cwd: opts.cwd,
    home: path.dirname(opts.cwd),
    streams: { stdout, stderr, stderrIsTTY: opts.stderrIsTTY ?? false, stdinIsTTY: false },
  });
  return { code, stdout: stdout.text(), stderr: stderr.text() };
}
