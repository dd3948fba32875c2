import { describe, expect, it } from 'vitest';
import { openSqliteCatalog } from '../../src/catalog/sqlite.js';
import type { RecordJson as LsJson } from '../../src/cli/format-record.js';
import { makeSandbox, runCli, seed } from './catalog-cli.js';

const DAY = 86_400_000;

describe('exai ls', () => {
  it('an empty catalog is exit 0: "no files" on stderr, [] with --json', async () => {
    const sb = await makeSandbox();
    const human = await runCli(sb, ['ls']);
    expect(human).toMatchObject({ code: 0, stdout: '' });
    expect(human.stderr).toContain('no files');
    const json = await runCli(sb, ['ls', '--json']);
    expect(json.code).toBe(0);
    expect(JSON.parse(json.stdout)).toEqual([]);
  });

  it('shows a table with provider, file id, human size, purpose, status, date and name', async () => {
    const sb = await makeSandbox();
    await seed(sb, { provider: 'kimi', fileId: 'cfile-one', name: 'report.pdf', size: 1536 });
    const r = await runCli(sb, ['ls']);
    expect(r.code).toBe(0);
    const [header, row] = r.stdout.trim().split('\n');
    expect(header).toMatch(/PROVIDER\s+FILE ID\s+SIZE\s+PURPOSE\s+STATUS\s+CREATED\s+NAME/);
    expect(row).toMatch(/^kimi\s+cfile-one\s+1\.5 KiB\s+file-extract\s+active\s+\d{4}-\d\d-\d\d \d\d:\d\dZ\s+report\.pdf$/);
  });

  it('--json gives every field; deleted rows appear only with --status deleted', async () => {
    const sb = await makeSandbox();
    const kept = await seed(sb, { fileId: 'c-kept', name: 'a.txt' });
    const gone = await seed(sb, { fileId: 'c-gone', name: 'b.txt' });
    const catalog = await openSqliteCatalog({ dir: sb.env.EXAI_DATA_DIR! });
    await catalog.markDeleted(gone.id, 'user', Date.now());
    await catalog.close();

    const all = JSON.parse((await runCli(sb, ['ls', '--json'])).stdout) as LsJson[];
    expect(all.map((f) => f.file_id)).toEqual(['c-kept']);
    expect(all[0]).toEqual({
      id: kept.id,
      provider: 'kimi',
      purpose: 'file-extract',
      file_id: 'c-kept',
      sha256: kept.sha256,
      size: kept.sizeBytes,
      mime_type: 'text/plain',
      name: 'a.txt',
      status: 'active',
      created_at: new Date(kept.createdAt).toISOString(),
      deleted_at: null,
      deletion_reason: null,
    });
    const deleted = JSON.parse((await runCli(sb, ['ls', '--status', 'deleted', '--json'])).stdout) as LsJson[];
    expect(deleted).toHaveLength(1);
    expect(deleted[0]).toMatchObject({ file_id: 'c-gone', status: 'deleted', deletion_reason: 'user' });
    expect(deleted[0]?.deleted_at).toMatch(/^\d{4}-\d\d-\d\dT/);
  });

  it('filters by provider, --since and --limit, newest first; other users are not shown', async () => {
    const sb = await makeSandbox();
    const now = Date.now();
    await seed(sb, { provider: 'kimi', fileId: 'c-old', createdAt: now - 10 * DAY });
    await seed(sb, { provider: 'glm', fileId: 'file-glm', createdAt: now - 2 * DAY });
    await seed(sb, { provider: 'kimi', fileId: 'c-new', createdAt: now - DAY });
    await seed(sb, { provider: 'kimi', fileId: 'c-other-user', userId: 'someone-else' });
    const ids = async (...args: string[]) => (JSON.parse((await runCli(sb, ['ls', '--json', ...args])).stdout) as LsJson[]).map((f) => f.file_id);
    expect(await ids()).toEqual(['c-new', 'file-glm', 'c-old']);
    expect(await ids('--provider', 'kimi')).toEqual(['c-new', 'c-old']);
    expect(await ids('--since', '7d')).toEqual(['c-new', 'file-glm']);
    expect(await ids('--since', new Date(now - 36 * 3_600_000).toISOString())).toEqual(['c-new']);
    expect(await ids('--limit', '1')).toEqual(['c-new']);
  });

  it('bad --since, --limit and --status values are usage errors naming the flag', async () => {
    const sb = await makeSandbox();
    for (const [flag, value] of [['--since', 'yesterday'], ['--limit', '0'], ['--limit', 'ten'], ['--status', 'gone']] as const) {
      const r = await runCli(sb, ['ls', flag, value]);
      expect(r.code, `${flag} ${value}`).toBe(2);
      expect(r.stderr).toContain(flag);
    }
  });
});
