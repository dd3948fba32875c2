/**
 * exai as a program imports it: `npm pack` the built package, unpack it into a temp project's
 * node_modules as npm would, and use it from there — ES module entry, exports map and types.
 * Its dependencies are linked from this checkout (no registry needed), except commander,
 * chalk and ora: the library must never load the CLI's terminal libraries, so with them
 * missing every call must still work.
 */
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const ROOT = path.resolve('.');
const CLI_ONLY = new Set(['commander', 'chalk', 'ora']);
let project: string;

beforeAll(async () => {
  project = await mkdtemp(path.join(os.tmpdir(), 'exai-pack-'));
  const { stdout } = await run('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', project, ROOT], { cwd: project });
  const [{ filename }] = JSON.parse(stdout) as [{ filename: string }];
  const installed = path.join(project, 'node_modules', 'exai');
  await mkdir(installed, { recursive: true });
  await run('tar', ['xzf', path.join(project, filename), '-C', installed, '--strip-components=1']);
  const pkg = JSON.parse(await readFile(path.join(ROOT, 'package.json'), 'utf8')) as { dependencies: Record<string, string> };
  for (const dep of Object.keys(pkg.dependencies).filter((d) => !CLI_ONLY.has(d))) {
    await mkdir(path.dirname(path.join(project, 'node_modules', dep)), { recursive: true });
    await symlink(path.join(ROOT, 'node_modules', dep), path.join(project, 'node_modules', dep));
  }
  await writeFile(path.join(project, 'package.json'), JSON.stringify({ name: 'consumer', private: true, type: 'module' }));
}, 60_000);

afterAll(async () => {
  await rm(project, { recursive: true, force: true });
});

const CONSUMER = `
import { mkdir, writeFile } from 'node:fs/promises';
import { createExai, ExaiError } from 'exai';
const dir = process.argv[2];
await mkdir(dir + '/work', { recursive: true });
await writeFile(dir + '/work/notes.md', 'hello from a consumer\\n');
const env = { EXAI_DATA_DIR: dir + '/data', EXAI_STATE_DIR: dir + '/state', EXAI_CONFIG_DIR: dir + '/config' };
const exai = await createExai({ cwd: dir + '/work', env, home: dir });
const [report] = await exai.validate('notes.md');
const [first] = await exai.upload(['notes.md']);
const [again] = await exai.upload(['notes.md']);
const content = await exai.content(first.file_id);
const listed = await exai.list();
const quota = await exai.quota();
const [removed] = await exai.remove(first.file_id);
const missing = await exai.content('cafebabe00').catch((e) => e instanceof ExaiError && e.name);
await exai.close();
console.log(JSON.stringify({ valid: report.valid, first: first.status, again: again.status, content: content.content, listed: listed.length, used: quota.used_bytes, removed: removed.deleted, missing }));
`;

const TYPED = `
import { createExai, type UploadRow, type ValidationReport, type ExaiError } from 'exai';
const exai = await createExai({ config: { maxFileSize: '10MB' } });
const reports: ValidationReport[] = await exai.validate(['a.pdf']);
const rows: UploadRow[] = await exai.upload('a.pdf', { provider: 'kimi', purpose: 'file-extract' });
const code: number | undefined = (undefined as ExaiError | undefined)?.code;
console.log(reports.length, rows.length, code);
`;

describe('the packed package', () => {
  it('works from node_modules through its exports map, without the CLI libraries', async () => {
    await writeFile(path.join(project, 'consumer.mjs'), CONSUMER);
    const { stdout, stderr } = await run(process.execPath, ['consumer.mjs', path.join(project, 'state-root')], { cwd: project });
    expect(stderr).toBe('');
    expect(JSON.parse(stdout)).toEqual({
      valid: true,
      first: 'uploaded',
      again: 'deduplicated',
      content: 'hello from a consumer\n',
      listed: 1,
      used: 22,
      removed: true,
      missing: 'NOT_IN_CATALOG',
    });
  }, 30_000);

  it('ships types a TypeScript consumer resolves through the exports map', async () => {
    await writeFile(path.join(project, 'consumer.ts'), TYPED);
    const tsconfig = { compilerOptions: { module: 'nodenext', moduleResolution: 'nodenext', target: 'es2022', strict: true, noEmit: true, skipLibCheck: true, types: [] } };
    await writeFile(path.join(project, 'tsconfig.json'), JSON.stringify(tsconfig));
    const tsc = path.join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
    const result = await run(process.execPath, [tsc, '-p', 'tsconfig.json'], { cwd: project }).catch((e: { stdout: string }) => e);
    expect(result.stdout).toBe('');
  }, 60_000);
});
