/**
 * A throw-away exai world for CLI and e2e tests: a working dir with files, private config,
 * data and state dirs, a clean environment (no real keys leak in from the host), and two
 * ways to run exai in it — in-process through main(), or as a real child process.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { openSqliteCatalog } from '../../src/catalog/sqlite.js';
import type { FileRecord } from '../../src/catalog/types.js';
import { afterAll } from 'vitest';
import { main } from '../../src/cli/main.js';
import type { Clock } from '../../src/cli/context.js';

export const BIN = path.resolve('bin/exai.js');

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface Workspace {
  root: string;
  /** The working directory (and the default allowed root). */
  cwd: string;
  dataDir: string;
  stateDir: string;
  env: Record<string, string>;
  file(name: string, content: Buffer | string): Promise<string>;
  /** Write config.json (nested keys, e.g. {retry: {maxAttempts: 2}}). */
  config(values: Record<string, unknown>): Promise<void>;
  /** Run in-process through main(argv, deps). */
  main(args: string[], opts?: { clock?: Clock; env?: Record<string, string>; tty?: boolean }): Promise<RunResult>;
  /** Spawn bin/exai.js; resolves when it exits. */
  spawn(args: string[], opts?: { env?: Record<string, string> }): { child: ChildProcess; done: Promise<RunResult> };
}

// Every workspace this test file made, removed when the file's tests are done (registered
// at import, so it runs once per test file; vitest isolates modules per file).
const created: string[] = [];
afterAll(async () => {
  await Promise.all(created.splice(0).map((root) => rm(root, { recursive: true, force: true })));
});

/** Create a fresh workspace under the OS temp dir; it is removed after the test file's last test. */
export async function createWorkspace(): Promise<Workspace> {
  const root = await mkdtemp(path.join(os.tmpdir(), 'exai-ws-'));
  created.push(root);
  const cwd = path.join(root, 'work');
  const dirs = { config: path.join(root, 'config'), data: path.join(root, 'data'), state: path.join(root, 'state') };
  await mkdir(cwd);
  const env: Record<string, string> = {
    PATH: process.env['PATH'] ?? '/usr/bin:/bin',
    HOME: root,
    EXAI_CONFIG_DIR: dirs.config,
    EXAI_DATA_DIR: dirs.data,
    EXAI_STATE_DIR: dirs.state,
  };
  return {
    root,
    cwd,
    dataDir: dirs.data,
    stateDir: dirs.state,
    env,
    file: async (name, content) => {
      const full = path.join(cwd, name);
      await mkdir(path.dirname(full), { recursive: true });
      await writeFile(full, content);
      return full;
    },
    config: async (values) => {
      await mkdir(dirs.config, { recursive: true, mode: 0o700 });
      await writeFile(path.join(dirs.config, 'config.json'), JSON.stringify(values), { mode: 0o600 });
    },
    main: (args, opts = {}) => runMain(args, cwd, root, { ...env, ...opts.env }, opts.clock, opts.tty ?? false),
    spawn: (args, opts = {}) => spawnExai(args, cwd, { ...env, ...opts.env }),
  };
}

async function runMain(args: string[], cwd: string, home: string, env: Record<string, string>, clock: Clock | undefined, tty: boolean): Promise<RunResult> {
  const out = collector();
  const err = collector();
  const code = await main(args, {
    env,
    cwd,
    home,
    streams: { stdout: out.stream, stderr: tty ? Object.assign(err.stream, { columns: 80 }) : err.stream, stderrIsTTY: tty, stdinIsTTY: false },
    ...(clock ? { clock } : {}),
  });
  return { code, stdout: out.text(), stderr: err.text() };
}

function spawnExai(args: string[], cwd: string, env: Record<string, string>): { child: ChildProcess; done: Promise<RunResult> } {
  const child = spawn(process.execPath, [BIN, ...args], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const done = new Promise<RunResult>((resolve) => {
    child.on('close', (code, signal) => resolve({ code: code ?? (signal ? 128 + 9 : -1), stdout, stderr }));
  });
  return { child, done };
}

function collector(): { stream: Writable; text(): string } {
  const chunks: Buffer[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      chunks.push(Buffer.from(chunk));
      callback();
    },
  });
  return { stream, text: () => Buffer.concat(chunks).toString('utf8') };
}

/** Every catalog row of a workspace (opens and closes the catalog). */
export async function catalogRows(ws: Pick<Workspace, 'dataDir'>): Promise<FileRecord[]> {
  const catalog = await openSqliteCatalog({ dir: ws.dataDir });
  try {
    return await catalog.list({});
  } finally {
    await catalog.close();
  }
}
