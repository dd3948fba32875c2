/**
 * Rule: colour is decided per stream. stdout carries ANSI colour only when stdout is a TTY,
 * stderr only when stderr is; --no-color and NO_COLOR turn it off, FORCE_COLOR on — every command.
 */
import { describe, expect, it } from 'vitest';
import { outputCommandList, happyArgv, makeWorld, run } from './harness.js';

// SGR sequences (colour); the progress line's "\r\x1b[2K" erase is not colour.
// eslint-disable-next-line no-control-regex -- ESC is what is being looked for
const SGR = /\x1b\[[0-9;]*m/;

describe.each(outputCommandList())('exai %s', (name, spec) => {
  it('sends no colour into a piped stdout even when stderr is a terminal', async () => {
    const world = await makeWorld();
    const r = await run(world, happyArgv(name, spec, world), { stdoutIsTTY: false, stderrIsTTY: true });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).not.toMatch(SGR);
  });

  it('sends no colour into a piped stderr even when stdout is a terminal', async () => {
    const world = await makeWorld();
    const r = await run(world, [...happyArgv(name, spec, world), '--no-such-flag'], { stdoutIsTTY: true, stderrIsTTY: false });
    expect(r.stderr).toContain('no-such-flag');
    expect(r.stderr).not.toMatch(SGR);
  });

  it('has no colour anywhere with --no-color or NO_COLOR, even on terminals and with FORCE_COLOR', async () => {
    const world = await makeWorld();
    const tty = { stdoutIsTTY: true, stderrIsTTY: true };
    const flag = await run(world, [...happyArgv(name, spec, world), '--no-color'], { ...tty, env: { FORCE_COLOR: '1' } });
    expect(flag.stdout + flag.stderr).not.toMatch(SGR);
    const env = await run(world, happyArgv(name, spec, world), { ...tty, env: { NO_COLOR: '1' } });
    expect(env.stdout + env.stderr).not.toMatch(SGR);
  });
});

describe('colour where it belongs', () => {
  it('colours validate on a terminal stdout, and on a pipe only with FORCE_COLOR', async () => {
    const world = await makeWorld();
    expect((await run(world, ['validate', 'a.txt'], { stdoutIsTTY: true })).stdout).toMatch(SGR);
    expect((await run(world, ['validate', 'a.txt'])).stdout).not.toMatch(SGR);
    expect((await run(world, ['validate', 'a.txt'], { env: { FORCE_COLOR: '1' } })).stdout).toMatch(SGR);
    expect((await run(world, ['validate', 'a.txt'], { stdoutIsTTY: true, env: { FORCE_COLOR: '0' } })).stdout).not.toMatch(SGR);
    expect((await run(world, ['validate', 'a.txt'], { stdoutIsTTY: true, env: { TERM: 'dumb' } })).stdout).not.toMatch(SGR);
  });

  it('colours an error on a terminal stderr while the piped stdout stays plain', async () => {
    const world = await makeWorld();
    const r = await run(world, ['rm', 'no-such-id', '--yes'], { stderrIsTTY: true });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(SGR);
    expect(r.stdout).not.toMatch(SGR);
  });
});
