/**
 * Rule: exit codes mean one thing for every command. A bad flag value is 2 whichever flag it
 * is; the same kind of bad value in the config file or environment is 9; an argument that
 * matches no file is 2 and named; a flag that takes a value says how it is checked.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { commandList, happyArgv, longFlag, makeWorld, run, valueOptions } from './harness.js';

describe.each(commandList())('exai %s', (name, spec) => {
  it('declares how each value flag is checked (parse, choices, or free text on purpose)', () => {
    for (const option of valueOptions(spec)) {
      expect(option.parse !== undefined || option.choices !== undefined || option.anyText === true, option.flags).toBe(true);
    }
  });

  it.each(valueOptions(spec).filter((o) => o.choices || o.parse).map((o) => [longFlag(o.flags)]))('exits 2 naming %s for a bad value', async (flag) => {
    const world = await makeWorld();
    const r = await run(world, [...happyArgv(name, spec, world), flag, '%bogus%']);
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toContain(flag.replace(/^--/, ''));
    expect(r.stderr).not.toContain('internal error');
  });

  // A command that reports config problems itself (doctor) prints them as failed checks on
  // stdout and exits 1 like any failed check; every other command refuses with exit 9.
  const reports = spec.reportsConfigProblems === true;
  it(`${reports ? 'reports as a failed check (exit 1)' : 'exits 9'} naming the source for a bad value in the environment or the config file`, async () => {
    const world = await makeWorld();
    const [code, stream] = reports ? [1, 'stdout'] as const : [9, 'stderr'] as const;
    const fromEnv = await run(world, happyArgv(name, spec, world), { env: { EXAI_CONCURRENCY: 'lots' } });
    expect(fromEnv.code).toBe(code);
    expect(fromEnv[stream]).toContain('EXAI_CONCURRENCY');
    await mkdir(world.env.EXAI_CONFIG_DIR!, { recursive: true });
    await writeFile(path.join(world.env.EXAI_CONFIG_DIR!, 'config.json'), JSON.stringify({ maxFileSize: 'lots' }));
    const fromFile = await run(world, happyArgv(name, spec, world));
    expect(fromFile.code).toBe(code);
    expect(fromFile[stream]).toContain('config.json');
  });

  it.runIf(spec.args === '<paths...>')('exits 2 naming an empty directory or a glob that matches nothing', async () => {
    const world = await makeWorld();
    await mkdir(path.join(world.cwd, 'empty'));
    const r = await run(world, [name, 'a.txt', 'empty', 'nothing-*.pdf']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('"empty"');
    expect(r.stderr).toContain('"nothing-*.pdf"');
  });
});

describe('exai (no command)', () => {
  it('exits 2 for an unknown command, and 0 for --help and --version', async () => {
    const world = await makeWorld();
    expect((await run(world, ['frobnicate'])).code).toBe(2);
    expect((await run(world, ['--help'])).code).toBe(0);
    expect((await run(world, ['--version'])).code).toBe(0);
  });
});
