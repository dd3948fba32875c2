import { execFile } from 'node:child_process';
import { mkdtemp, writeFile, copyFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);

// Every temp dir this file makes, removed after its last test.
const temps: string[] = [];
afterAll(async () => {
  await Promise.all(temps.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
});

const BIN = path.resolve('bin/exai.js');

async function exai(args: string[], cwd: string): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    // State (the hash cache) lives outside the validated dir, or the cache file would be validated too.
    const home = await mkdtemp(path.join(os.tmpdir(), 'exai-e2e-home-'));
    temps.push(home);
    const r = await run('node', [BIN, ...args], { cwd, env: { ...process.env, EXAI_STATE_DIR: home, EXAI_DATA_DIR: home, EXAI_CONFIG_DIR: home } });
    return { code: 0, stdout: r.stdout, stderr: r.stderr };
  } catch (e) {
    const err = e as { code: number; stdout: string; stderr: string };
    return { code: err.code, stdout: err.stdout, stderr: err.stderr };
  }
}

describe('exai validate (spawned)', () => {
  it('accepts the shipped examples and exits 0', async () => {
    const r = await exai(['validate', '.'], path.resolve('examples'));
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('report.pdf');
  });

  it('rejects an ELF named .txt with exit 3 and a JSON report', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'exai-e2e-'));
    temps.push(dir);
    await writeFile(path.join(dir, 'x.txt'), Buffer.from([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, 0]));
    await copyFile('examples/report.pdf', path.join(dir, 'ok.pdf'));
    const r = await exai(['validate', '--json', 'x.txt', 'ok.pdf'], dir);
    expect(r.code).toBe(3);
    const report = JSON.parse(r.stdout) as Array<{ path: string; valid: boolean; errors: Array<{ name: string }> }>;
    expect(report.find((f) => f.path === 'x.txt')?.errors[0]?.name).toBe('EXECUTABLE_CONTENT');
    expect(report.find((f) => f.path === 'ok.pdf')?.valid).toBe(true);
  });

  it('rejects a path outside the allowed roots and a bad flag value', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'exai-e2e-'));
    temps.push(dir);
    expect((await exai(['validate', '/etc/passwd'], dir)).code).toBe(3);
    expect((await exai(['validate', '--nope', 'x'], dir)).code).toBe(2);
    const bad = await exai(['validate', 'x'], dir).then(() => run('node', [BIN, 'validate', 'x'], { cwd: dir, env: { ...process.env, EXAI_MAX_FILE_SIZE: '-5MB' } }).catch((e: { code: number; stderr: string }) => e));
    expect((bad as { code: number }).code).toBe(9);
  });
});
