/** Shared by the ls/rm/quota/unlock CLI tests: a temp home, main() with captured streams, catalog seeding. */
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, mkdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { afterAll } from 'vitest';
import { openSqliteCatalog } from '../../src/catalog/sqlite.js';
import type { FileRecord } from '../../src/catalog/types.js';
import type { ProviderName } from '../../src/core/config/types.js';
import { main, type MainDeps } from '../../src/cli/main.js';

export const USER = 'tester';

/** A throwaway set of exai dirs plus a work dir that is the only allowed root. */
export interface Sandbox {
  root: string;
  cwd: string;
  env: Record<string, string | undefined>;
}

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

// Every sandbox this test file made, removed after its last test (registered at import).
const made: string[] = [];
afterAll(async () => {
  await Promise.all(made.splice(0).map((root) => rm(root, { recursive: true, force: true })));
});

/** Make config/data/state dirs and a cwd under a fresh temp dir (removed after the test file). */
export async function makeSandbox(extraEnv: Record<string, string> = {}): Promise<Sandbox> {
  const root = await mkdtemp(path.join(os.tmpdir(), 'exai-cli-'));
  made.push(root);
  const dirs = ['config', 'data', 'state', 'work'].map((d) => path.join(root, d));
  await Promise.all(dirs.map((d) => mkdir(d, { recursive: true })));
  const env = {
    PATH: process.env.PATH,
    EXAI_CONFIG_DIR: path.join(root, 'config'),
    EXAI_DATA_DIR: path.join(root, 'data'),
    EXAI_STATE_DIR: path.join(root, 'state'),
    NO_COLOR: '1',
    ...extraEnv,
  };
  return { root, cwd: path.join(root, 'work'), env };
}

function collector(): { stream: Writable; text: () => string } {
  const chunks: Buffer[] = [];
  const stream = new Writable({
    write(chunk: Buffer | string, _enc, cb) {
      chunks.push(Buffer.from(chunk));
      cb();
    },
  });
  return { stream, text: () => Buffer.concat(chunks).toString('utf8') };
}

/** Run `exai <argv>` in-process against the sandbox. */
export async function runCli(sb: Sandbox, argv: string[], extra: Partial<MainDeps> & { tty?: boolean } = {}): Promise<CliResult> {
  const out = collector();
  const err = collector();
  const tty = extra.tty ?? false;
  const code = await main(argv, {
    env: sb.env,
    cwd: sb.cwd,
    home: sb.root,
    // A terminal reports its width (spinners need one).
    streams: { stdout: out.stream, stderr: tty ? Object.assign(err.stream, { columns: 80 }) : err.stream, stderrIsTTY: tty, stdinIsTTY: tty },
    clock: extra.clock ?? { now: () => Date.now(), sleep: async () => undefined },
    overrides: { userId: USER, ...extra.overrides },
  });
  return { code, stdout: out.text(), stderr: err.text() };
}

export interface SeedInput {
  provider?: ProviderName;
  fileId?: string;
  content?: string;
  /** Use this sha256 instead of hashing `content` (to build prefix collisions). */
  sha256?: string;
  name?: string;
  purpose?: string;
  size?: number;
  createdAt?: number;
  /** Leave the row `uploading` with this lease instead of completing it. */
  leaseMs?: number;
  userId?: string;
}

/** Claim and complete one row directly in the sandbox's catalog. */
export async function seed(sb: Sandbox, input: SeedInput = {}): Promise<FileRecord> {
  const catalog = await openSqliteCatalog({ dir: sb.env.EXAI_DATA_DIR! });
  try {
    const content = input.content ?? randomBytes(16).toString('hex');
    const sha256 = input.sha256 ?? createHash('sha256').update(content).digest('hex');
    const now = input.createdAt ?? Date.now();
    const claim = await catalog.claim({
      userId: input.userId ?? USER,
      provider: input.provider ?? 'kimi',
      purpose: input.purpose ?? 'file-extract',
      sha256,
      sizeBytes: input.size ?? Buffer.byteLength(content),
      mimeType: 'text/plain',
      originalName: input.name ?? 'notes.txt',
      leaseMs: input.leaseMs ?? 60_000,
      quotaBytes: Number.POSITIVE_INFINITY,
      now,
    });
    if (input.leaseMs !== undefined) return claim.record;
    return await catalog.complete(claim.record.id, input.fileId ?? `c${randomBytes(8).toString('hex')}`, now);
  } finally {
    await catalog.close();
  }
}

/** Read one row back (for assertions after a command ran). */
export async function readRows(sb: Sandbox): Promise<FileRecord[]> {
  const catalog = await openSqliteCatalog({ dir: sb.env.EXAI_DATA_DIR! });
  try {
    return await catalog.list({});
  } finally {
    await catalog.close();
  }
}
