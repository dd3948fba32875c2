/**
 * Rule: -q means the same everywhere: no progress, no summaries, no per-item success lines;
 * errors and the data a command exists to print (JSON, ids, listings) still appear.
 */
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { outputCommandList, happyArgv, makeWorld, run } from './harness.js';

describe.each(outputCommandList())('exai %s -q', (name, spec) => {
  it('prints nothing on stderr when all goes well, even on a terminal', async () => {
    const world = await makeWorld();
    const r = await run(world, [...happyArgv(name, spec, world), '-q'], { stderrIsTTY: true });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toBe('');
  });

  it('still prints the JSON document with --json', async () => {
    const world = await makeWorld();
    const r = await run(world, [...happyArgv(name, spec, world), '-q', '--json']);
    expect(r.code, r.stderr).toBe(0);
    expect(() => JSON.parse(r.stdout) as unknown).not.toThrow();
  });

  it('still prints errors', async () => {
    const world = await makeWorld();
    const r = await run(world, [...happyArgv(name, spec, world), '-q', '--no-such-flag']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('no-such-flag');
  });
});

describe('-q per command', () => {
  it('validate -q prints only the rejected files, with their reasons', async () => {
    const world = await makeWorld();
    await writeFile(path.join(world.cwd, 'evil.exe'), 'MZ\x90\x00 not really');
    const r = await run(world, ['validate', 'a.txt', 'evil.exe', '-q']);
    expect(r.code).toBe(3);
    expect(r.stdout).not.toContain('a.txt');
    expect(r.stdout).toMatch(/✗ evil\.exe .*BLOCKED_EXTENSION/);
    expect(r.stderr).toBe('');
  });

  it('upload -q prints only the file id; a rejected file still says why', async () => {
    const world = await makeWorld();
    await writeFile(path.join(world.cwd, 'b.txt'), 'another file\n');
    const ok = await run(world, ['upload', 'b.txt', '-q']);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toMatch(/^local-[0-9a-f]{24}\n$/);
    await writeFile(path.join(world.cwd, 'evil.exe'), 'MZ\x90\x00 not really');
    const bad = await run(world, ['upload', 'evil.exe', '-q']);
    expect(bad.code).toBe(3);
    expect(bad.stdout + bad.stderr).toContain('BLOCKED_EXTENSION');
  });

  it('ls -q still lists the files (the listing is what ls is for)', async () => {
    const world = await makeWorld();
    expect((await run(world, ['ls', '-q'])).stdout).toContain(world.fileId);
  });
});
