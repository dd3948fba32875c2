import { spawn } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startFakeProvider, type FakeProvider } from '../servers/fake-provider.js';
import { makeSandbox, readRows, seed, type Sandbox } from '../cli/catalog-cli.js';

const BIN = path.resolve('bin/exai.js');
const KEY = 'sk-e2e-gc-0123456789-SECRET';
const ME = os.userInfo().username;
const DAY = 86_400_000;

let kimi: FakeProvider;
let sb: Sandbox;

beforeEach(async () => {
  kimi = await startFakeProvider({ kind: 'kimi', apiKey: KEY });
  sb = await makeSandbox({ MOONSHOT_API_KEY: KEY, EXAI_KIMI_BASE_URL: kimi.url });
});

afterEach(async () => {
  await kimi.close();
  await fs.rm(sb.root, { recursive: true, force: true });
});

function gc(args: string[]): { kill(): void; done: Promise<number> } {
  const child = spawn(process.execPath, [BIN, 'gc', ...args], { cwd: sb.cwd, env: sb.env as NodeJS.ProcessEnv, stdio: 'ignore' });
  const done = new Promise<number>((resolve) => child.on('close', (code, signal) => resolve(code ?? (signal === 'SIGKILL' ? 137 : -1))));
  return { kill: () => void child.kill('SIGKILL'), done };
}

async function until(check: () => boolean): Promise<void> {
  while (!check()) await new Promise((resolve) => setTimeout(resolve, 10));
}

describe('exai gc killed with SIGKILL', () => {
  it('leaves nothing the next run cannot finish', async () => {
    const ids = Array.from({ length: 8 }, (_, i) => `ckill${i}`);
    for (const id of ids) {
      await seed(sb, { fileId: id, createdAt: Date.now() - 40 * DAY, userId: ME });
      kimi.files.set(id, { id, object: 'file', bytes: 10, created_at: 1, filename: 'a.txt', purpose: 'file-extract', status: 'ok', sha256: '' });
    }
    // Slow answers keep the first run inside a DELETE (file gone, row not yet marked) when it dies.
    kimi.setLatency(150);
    const first = gc(['--yes']);
    await until(() => kimi.requests.filter((r) => r.method === 'DELETE').length >= 3);
    first.kill();
    expect(await first.done).toBe(137);
    kimi.setLatency(0);
    const rowsAfterKill = await readRows(sb);
    expect(rowsAfterKill.some((r) => r.status === 'active')).toBe(true);
    const second = gc(['--yes']);
    expect(await second.done).toBe(0);
    const rows = await readRows(sb);
    expect(rows.map((r) => r.status)).toEqual(ids.map(() => 'deleted'));
    expect(kimi.files.size).toBe(0);
    // Nothing the killed run held is left behind.
    const locks = await fs.readdir(path.join(sb.env.EXAI_STATE_DIR!, 'locks')).catch(() => []);
    expect(locks.filter((n) => n.endsWith('.lock'))).toEqual([]);
  });
});
