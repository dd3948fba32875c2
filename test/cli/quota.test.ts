import { rm } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { makeSandbox, runCli, seed } from './catalog-cli.js';

describe('exai quota', () => {
  it('--json reports used, limit, remaining, max file size and counts in bytes', async () => {
    const sb = await makeSandbox({ EXAI_QUOTA: '1MB', EXAI_MAX_FILE_SIZE: '200KB' });
    await seed(sb, { size: 300_000 });
    await seed(sb, { size: 100_000 });
    await seed(sb, { size: 50_000, leaseMs: 60_000 }); // an upload in flight holds its bytes
    await seed(sb, { size: 999_999, userId: 'someone-else' });
    const r = await runCli(sb, ['quota', '--json']);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({
      used_bytes: 450_000,
      limit_bytes: 1_000_000,
      remaining_bytes: 550_000,
      max_file_bytes: 200_000,
      files: 2,
      uploading: 1,
    });
  });

  it('prints human-readable sizes', async () => {
    const sb = await makeSandbox({ EXAI_QUOTA: '10GiB' });
    await seed(sb, { size: 3 * 1024 * 1024 });
    const r = await runCli(sb, ['quota']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/used\s+3\.0 MiB of 10\.0 GiB/);
    expect(r.stdout).toMatch(/remaining\s+10\.0 GiB/);
    expect(r.stdout).toMatch(/max file\s+512\.0 MiB/);
    expect(r.stdout).toMatch(/files\s+1 active, 0 uploading/);
  });

  it('an empty catalog uses nothing', async () => {
    const sb = await makeSandbox();
    const json = JSON.parse((await runCli(sb, ['quota', '--json'])).stdout) as { used_bytes: number; files: number };
    expect(json).toMatchObject({ used_bytes: 0, files: 0 });
  });

  it('after a crash, quota and ls are right at once: the dead upload holds nothing and shows failed', async () => {
    const sb = await makeSandbox({ EXAI_QUOTA: '1MB' });
    try {
      await seed(sb, { size: 300_000 });
      // An upload killed 10 s into a 1 s lease: nothing has reconciled it yet.
      const dead = await seed(sb, { size: 500_000, leaseMs: 1_000, createdAt: Date.now() - 10_000 });
      const quota = JSON.parse((await runCli(sb, ['quota', '--json'])).stdout) as Record<string, number>;
      expect(quota).toMatchObject({ used_bytes: 300_000, remaining_bytes: 700_000, files: 1, uploading: 0 });
      const listed = JSON.parse((await runCli(sb, ['ls', '--all', '--json'])).stdout) as Array<{ id: string; status: string }>;
      expect(listed.find((r) => r.id === dead.id)?.status).toBe('failed');
    } finally {
      await rm(sb.root, { recursive: true, force: true });
    }
  });
});
