/**
 * The CLI contract harness: every registered command (from src/cli/commands/index.ts), a
 * throw-away world with one uploaded file, and a runner with per-stream TTY switches. The
 * contract tests iterate `commandList()`, so a new command is covered without touching them;
 * the only thing it may need is a sample for a new kind of argument (ARG_SAMPLES below).
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { PassThrough, Writable } from 'node:stream';
import { afterAll } from 'vitest';
import { COMMANDS } from '../../../src/cli/commands/index.js';
import { main } from '../../../src/cli/main.js';
import { listCommands, type CommandSpec } from '../../../src/cli/spec.js';
import { startLoopbackSupabase, type LoopbackSupabase } from '../../servers/supabase.js';

/** One run's exit code and captured streams. */
export interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** A workspace with `a.txt` (3000 bytes) uploaded to the local provider (its id is `fileId`). */
export interface World {
  root: string;
  cwd: string;
  env: Record<string, string>;
  fileId: string;
  sha256: string;
  /** A loopback Supabase (auth routes) for the shared-backend commands: login, logout, whoami. */
  shared?: SharedProject | undefined;
}

interface SharedProject {
  url: string;
  anonKey: string;
  /** A user's access token (whoami runs with it as EXAI_ACCESS_TOKEN). */
  token: string;
}

const SHARED_EMAIL = 'contract@example.com';
const SHARED_PASSWORD = 'contract-password';

/**
 * The shared-backend commands, and what their happy run needs: the project's env, and for
 * login the password on stdin. Other commands never see SUPABASE_URL (their world is embedded).
 */
const SHARED_COMMANDS: Record<string, { argv: string[]; stdin?: string; token?: boolean }> = {
  login: { argv: ['--email', SHARED_EMAIL, '--password-stdin'], stdin: SHARED_PASSWORD },
  logout: { argv: [] },
  whoami: { argv: [], token: true },
};

let project: Promise<LoopbackSupabase> | undefined;

async function sharedProject(): Promise<SharedProject> {
  project ??= startLoopbackSupabase().then(async (server) => {
    await server.addUser(SHARED_EMAIL, SHARED_PASSWORD);
    return server;
  });
  const server = await project;
  const user = [...server.auth.users.values()][0]!;
  return { url: server.url, anonKey: server.anonKey, token: await server.auth.accessTokenFor(user) };
}

/** How a run sees its terminal: which streams are TTYs, and what is typed at a prompt. */
export interface Terminal {
  stdoutIsTTY?: boolean;
  stderrIsTTY?: boolean;
  stdinIsTTY?: boolean;
  /** Bytes sent to stdin once the prompt is up (e.g. "\x04" for Ctrl-D); null closes stdin instead. */
  typed?: string | null;
  env?: Record<string, string>;
}

/** Every runnable command as [name, spec]: "validate", "config set", … */
export function commandList(): Array<[string, CommandSpec]> {
  return listCommands(COMMANDS);
}

/** The commands whose stdout is exai's output (all but protocol servers like `exai mcp`, tested on their own). */
export function outputCommandList(): Array<[string, CommandSpec]> {
  return commandList().filter(([, spec]) => spec.servesProtocol === undefined);
}

const roots: string[] = [];
afterAll(async () => {
  await Promise.all(roots.splice(0).map((root) => rm(root, { recursive: true, force: true })));
  await (await project)?.close();
  project = undefined;
});

/** A fresh world: its own config, data and state dirs, cwd with a.txt, a.txt uploaded. */
export async function makeWorld(): Promise<World> {
  const root = await mkdtemp(path.join(os.tmpdir(), 'exai-contract-'));
  roots.push(root);
  const cwd = path.join(root, 'work');
  await mkdir(cwd);
  // Over 1 KiB, so a size printed as raw bytes instead of "2.9 KiB" shows up in the size rule.
  await writeFile(path.join(cwd, 'a.txt'), 'hello contract\n'.repeat(200));
  const env = {
    PATH: process.env['PATH'] ?? '/usr/bin:/bin',
    HOME: root,
    EXAI_CONFIG_DIR: path.join(root, 'config'),
    EXAI_DATA_DIR: path.join(root, 'data'),
    EXAI_STATE_DIR: path.join(root, 'state'),
  };
  const world = { root, cwd, env, fileId: '', sha256: '' };
  const up = await run(world, ['upload', 'a.txt', '--json']);
  if (up.code !== 0) throw new Error(`world upload failed: ${up.stderr}`);
  const [row] = JSON.parse(up.stdout) as Array<{ file_id: string; sha256: string }>;
  return { ...world, fileId: row!.file_id, sha256: row!.sha256, shared: await sharedProject() };
}

/**
 * A sample value for each argument a command declares. A command with an argument not
 * listed here fails the contract tests with a message saying to add one.
 */
const ARG_SAMPLES: Record<string, (w: World) => string[]> = {
  '<paths...>': () => ['a.txt'],
  '<refs...>': (w) => [w.fileId],
  '<ref>': (w) => [w.fileId],
  '<key>': () => ['concurrency'],
  '<value>': () => ['4'],
  '[keys...]': () => [],
};

/** argv that runs `name` successfully in `world`: sample args, and --yes where a command asks. */
export function happyArgv(name: string, spec: CommandSpec, world: World): string[] {
  const args = (spec.args ?? '').split(' ').filter((a) => a !== '');
  const samples = args.flatMap((arg) => {
    const sample = ARG_SAMPLES[arg];
    if (sample === undefined) throw new Error(`add a sample for argument ${arg} of \`exai ${name}\` to ARG_SAMPLES in test/cli/contract/harness.ts`);
    return sample(world);
  });
  const yes = spec.options.some((o) => o.flags.includes('--yes')) ? ['--yes'] : [];
  return [...name.split(' '), ...samples, ...yes, ...(SHARED_COMMANDS[name]?.argv ?? [])];
}

/** Run `exai <argv>` in-process in `world` with the given terminal. */
export async function run(world: Pick<World, 'cwd' | 'env' | 'root' | 'shared'>, argv: string[], terminal: Terminal = {}): Promise<Run> {
  const stdout = collector();
  const stderr = collector();
  const stdin = new PassThrough();
  const shared = world.shared && argv[0] !== undefined ? SHARED_COMMANDS[argv[0]] : undefined;
  const sharedEnv = shared && world.shared ? { SUPABASE_URL: world.shared.url, SUPABASE_ANON_KEY: world.shared.anonKey, ...(shared.token ? { EXAI_ACCESS_TOKEN: world.shared.token } : {}) } : {};
  if (shared?.stdin !== undefined && terminal.typed === undefined) stdin.end(shared.stdin);
  if (terminal.typed !== undefined) {
    // Typed once the prompt is up: the first write to stderr on a TTY run is the question.
    const typed = terminal.typed;
    stderr.once('prompt', () => (typed === null ? stdin.end() : stdin.write(typed)));
  }
  const code = await main(argv, {
    env: { ...world.env, ...sharedEnv, ...terminal.env },
    cwd: world.cwd,
    home: world.root,
    streams: {
      stdout,
      stderr,
      stdoutIsTTY: terminal.stdoutIsTTY ?? false,
      stderrIsTTY: terminal.stderrIsTTY ?? false,
      stdinIsTTY: terminal.stdinIsTTY ?? false,
      stdin,
    },
  });
  stdin.destroy();
  return { code, stdout: stdout.text(), stderr: stderr.text() };
}

function collector(): Writable & { text(): string } {
  const chunks: Buffer[] = [];
  const stream = new Writable({
    write(chunk: Buffer | string, _encoding, callback) {
      const buffer = Buffer.from(chunk);
      chunks.push(buffer);
      if (buffer.toString().includes('[y/N]')) stream.emit('prompt');
      callback();
    },
  });
  return Object.assign(stream, { text: () => Buffer.concat(chunks).toString('utf8') });
}

/** The options of a command that take a value ("--limit <n>"), global ones excluded. */
export function valueOptions(spec: CommandSpec): CommandSpec['options'] {
  return spec.options.filter((o) => /[<[]/.test(o.flags));
}

/** The long flag of an option spec: "--limit" from "--limit <n>". */
export function longFlag(flags: string): string {
  return /--[a-z-]+/.exec(flags)![0];
}
