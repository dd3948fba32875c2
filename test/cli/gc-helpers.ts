/** gc tests: a sandbox with a fake Kimi, rows of chosen ages and states, and provider files. */
import fs from 'node:fs/promises';
import path from 'node:path';
import { openSqliteCatalog } from '../../src/catalog/sqlite.js';
import type { FileRecord } from '../../src/catalog/types.js';
import { startFakeProvider, type FakeProvider } from '../servers/fake-provider.js';
import { makeSandbox, seed, type Sandbox, type SeedInput } from './catalog-cli.js';

export const KEY = 'sk-test-gc-SECRET-0123456789abcdef';
export const DAY = 86_400_000;

/** A sandbox whose kimi is a fake server on 127.0.0.1. */
export interface GcWorld {
  sb: Sandbox;
  kimi: FakeProvider;
  close(): Promise<void>;
}

/** Start the fake provider and a sandbox pointing at it. */
export async function makeGcWorld(): Promise<GcWorld> {
  const kimi = await startFakeProvider({ kind: 'kimi', apiKey: KEY });
  const sb = await makeSandbox({ MOONSHOT_API_KEY: KEY, EXAI_KIMI_BASE_URL: kimi.url });
  return {
    sb,
    kimi,
    close: async () => {
      await kimi.close();
      await fs.rm(sb.root, { recursive: true, force: true });
    },
  };
}

/** A provider file as if exai (or anything) stored it `ageMs` ago. */
export function putRemote(kimi: FakeProvider, id: string, ageMs: number, now = Date.now(), filename = 'notes.txt'): void {
  const created = Math.floor((now - ageMs) / 1000);
  kimi.files.set(id, { id, object: 'file', bytes: 10, created_at: created, filename, purpose: 'file-extract', status: 'ok', sha256: '' });
}

/** An active row `ageMs` old whose provider file exists at the fake. */
export async function seedActive(w: GcWorld, fileId: string, ageMs: number, extra: SeedInput = {}): Promise<FileRecord> {
  const row = await seed(w.sb, { fileId, createdAt: Date.now() - ageMs, size: 100, ...extra });
  putRemote(w.kimi, fileId, ageMs);
  return row;
}

/** A failed row `ageMs` old (claimed, then failed). */
export async function seedFailed(sb: Sandbox, ageMs: number): Promise<FileRecord> {
  const now = Date.now() - ageMs;
  const row = await seed(sb, { createdAt: now, leaseMs: 60_000 });
  const catalog = await openSqliteCatalog({ dir: sb.env.EXAI_DATA_DIR! });
  try {
    await catalog.fail(row.id, 'provider said no', now);
  } finally {
    await catalog.close();
  }
  return row;
}

/** Every file under the state dir's (or `dir`'s) locks/ folder (names only). */
export async function lockFiles(sb: Sandbox, dir = sb.env.EXAI_STATE_DIR!): Promise<string[]> {
  return (await fs.readdir(path.join(dir, 'locks')).catch(() => [] as string[])).sort();
}

/** A lockfile left by a process that is gone (pid far beyond pid_max). */
export async function writeStaleLock(sb: Sandbox, key: string): Promise<void> {
  const dir = path.join(sb.env.EXAI_STATE_DIR!, 'locks');
  await fs.mkdir(dir, { recursive: true });
  const owner = { pid: 99_999_999, hostname: (await import('node:os')).hostname(), user: 'x', command: 'upload', started: new Date(Date.now() - 3_600_000).toISOString(), lease_expires_at: Date.now() - 3_000_000, nonce: 'n' };
  await fs.writeFile(path.join(dir, `${key}.lock`), JSON.stringify(owner));
}

/** The mutating requests the fake received. */
export const writesTo = (kimi: FakeProvider) => kimi.requests.filter((r) => r.method !== 'GET');
