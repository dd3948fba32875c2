/** Listing and naming files: ls's default statuses, names stored absolute and shown relative, rm PATH, purposes, roots. */
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { openSqliteCatalog } from '../../../src/catalog/sqlite.js';
import { makeWorld, run, type World } from './harness.js';

interface Row {
  file_id: string | null;
  status: string;
  name: string;
}

const ls = async (world: World, args: string[] = [], cwd = world.cwd) => JSON.parse((await run({ ...world, cwd }, ['ls', '--json', ...args])).stdout) as Row[];

/** A failed upload of other bytes, as a crash or a provider error leaves one. */
async function addFailedRow(world: World): Promise<void> {
  const catalog = await openSqliteCatalog({ dir: world.env.EXAI_DATA_DIR! });
  try {
    const claim = await catalog.claim({
      userId: os.userInfo().username,
      provider: 'local',
      purpose: 'file-extract',
      sha256: 'f'.repeat(64),
      sizeBytes: 300,
      mimeType: 'text/plain',
      originalName: path.join(world.cwd, 'failed.txt'),
      leaseMs: 60_000,
      quotaBytes: Number.POSITIVE_INFINITY,
      now: Date.now(),
    });
    await catalog.fail(claim.record.id, 'provider said no', Date.now());
  } finally {
    await catalog.close();
  }
}

describe('exai ls', () => {
  it('lists active and uploading rows by default; --status failed and --all show the rest', async () => {
    const world = await makeWorld();
    await addFailedRow(world);
    expect((await ls(world)).map((r) => r.status)).toEqual(['active']);
    expect((await ls(world, ['--status', 'failed'])).map((r) => r.name)).toEqual([path.join(world.cwd, 'failed.txt')]);
    expect((await ls(world, ['--all'])).map((r) => r.status).sort()).toEqual(['active', 'failed']);
    expect((await run(world, ['ls', '--all', '--status', 'failed'])).code).toBe(2);
  });

  it('stores the absolute path and shows it relative to the current directory', async () => {
    const world = await makeWorld();
    await mkdir(path.join(world.cwd, 'sub'));
    await writeFile(path.join(world.cwd, 'sub', 'b.txt'), 'in a subdirectory\n');
    const sub = { ...world, cwd: path.join(world.cwd, 'sub') };
    expect((await run(sub, ['upload', 'b.txt', '-q'])).code).toBe(0);
    expect((await ls(world)).map((r) => r.name).sort()).toEqual([path.join(world.cwd, 'a.txt'), path.join(world.cwd, 'sub', 'b.txt')]);
    expect((await run(world, ['ls'])).stdout).toMatch(/ sub\/b\.txt\n/);
    expect((await run(sub, ['ls'])).stdout).toMatch(/ \.\.\/a\.txt\n/);
    expect((await run(sub, ['ls'])).stdout).toMatch(/ b\.txt\n/);
  });
});

describe('exai rm PATH', () => {
  it('finds the file by its content first, wherever it was uploaded from', async () => {
    const world = await makeWorld();
    await mkdir(path.join(world.cwd, 'moved'));
    await rename(path.join(world.cwd, 'a.txt'), path.join(world.cwd, 'moved', 'a.txt'));
    const r = await run(world, ['rm', 'moved/a.txt', '--yes']);
    expect(r.code, r.stderr).toBe(0);
    expect(await ls(world)).toEqual([]);
  });

  it('falls back to the stored path when the file there is gone, from another directory too', async () => {
    const world = await makeWorld();
    await rm(path.join(world.cwd, 'a.txt'));
    await mkdir(path.join(world.cwd, 'elsewhere'));
    const r = await run({ ...world, cwd: path.join(world.cwd, 'elsewhere') }, ['rm', '../a.txt', '--yes', '--json']);
    expect(r.code, r.stderr).toBe(0);
    expect(await ls(world)).toEqual([]);
  });

  it('asks with the same total the dry run shows', async () => {
    const world = await makeWorld();
    await addFailedRow(world);
    const dry = await run(world, ['rm', 'a.txt', '--dry-run']);
    const asked = await run(world, ['rm', 'a.txt'], { stdinIsTTY: true, stderrIsTTY: true, typed: 'n\r' });
    const total = /\(([\d.]+ [KMG]?i?B)\)/.exec(dry.stderr)?.[1];
    expect(total).toBeDefined();
    expect(asked.stderr).toContain(`Delete 1 file (${total})?`);
  });
});

describe('exai upload --purpose with the local provider', () => {
  it("refuses a purpose no real provider takes, as a usage error listing the real providers' purposes", async () => {
    const world = await makeWorld();
    const r = await run(world, ['upload', 'a.txt', '--purpose', 'bogus']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('bogus');
    for (const purpose of ['file-extract', 'image', 'video', 'batch', 'agent', 'code-interpreter']) expect(r.stderr).toContain(purpose);
    expect((await run(world, ['upload', 'a.txt', '--purpose', 'batch'])).code).toBe(0);
  });
});

describe('a directory outside the allowed roots', () => {
  it('is refused once, naming neither its entries and pointing at both settings', async () => {
    const world = await makeWorld();
    await mkdir(path.join(world.root, 'outside'));
    await writeFile(path.join(world.root, 'outside', 'secret-name.txt'), 'x');
    for (const command of ['validate', 'upload']) {
      const r = await run(world, [command, '../outside']);
      expect(r.code).toBe(3);
      expect(r.stdout + r.stderr).not.toContain('secret-name');
      expect((r.stdout + r.stderr).match(/outside the allowed directories/g)).toHaveLength(1);
      expect(r.stdout + r.stderr).toMatch(/EXAI_ALLOWED_PATHS.*EXAI_ALLOW_EXTERNAL_PATHS/);
    }
  });
});

describe('sizes', () => {
  it('are in one human format in validate and upload lines', async () => {
    const world = await makeWorld();
    await writeFile(path.join(world.cwd, 'big.txt'), 'x'.repeat(3000));
    expect((await run(world, ['validate', 'big.txt'])).stdout).toContain('  2.9 KiB  ');
    expect((await run(world, ['upload', 'big.txt'])).stdout).toContain('  2.9 KiB  ');
  });
});
