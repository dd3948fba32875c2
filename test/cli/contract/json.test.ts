/** Rule: with --json, stdout is one JSON document and any failure is one JSON object on stderr — every command. */
import { describe, expect, it } from 'vitest';
import { outputCommandList, happyArgv, longFlag, makeWorld, run, valueOptions } from './harness.js';

/** stderr under --json: JSON objects, one per line (errors; warnings too). */
function jsonLines(stderr: string): Array<Record<string, unknown>> {
  return stderr
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

function expectOneJsonError(r: { code: number; stdout: string; stderr: string }, name: string): void {
  expect(r.stdout, r.stderr).toBe('');
  const lines = jsonLines(r.stderr);
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatchObject({ error: { name, code: expect.any(Number) as unknown, message: expect.any(String) as unknown } });
}

describe.each(outputCommandList())('exai %s --json', (name, spec) => {
  it('succeeds with exactly one JSON document on stdout', async () => {
    const world = await makeWorld();
    const r = await run(world, [...happyArgv(name, spec, world), '--json']);
    expect(r.code, r.stderr).toBe(0);
    expect(() => JSON.parse(r.stdout) as unknown, r.stdout).not.toThrow();
    expect(jsonLines(r.stderr).every((l) => 'warning' in l)).toBe(true);
  });

  it('reports an unknown option as one JSON usage error (exit 2)', async () => {
    const world = await makeWorld();
    const r = await run(world, [...happyArgv(name, spec, world), '--no-such-flag', '--json']);
    expect(r.code).toBe(2);
    expectOneJsonError(r, 'USAGE');
    expect(r.stderr).toContain('--no-such-flag');
  });

  it.runIf((spec.args ?? '').includes('<'))('reports a missing argument as one JSON usage error (exit 2)', async () => {
    const world = await makeWorld();
    const r = await run(world, [...name.split(' '), '--json']);
    expect(r.code).toBe(2);
    expectOneJsonError(r, 'USAGE');
  });

  it.each(valueOptions(spec).filter((o) => o.choices || o.parse).map((o) => [longFlag(o.flags)]))('reports a bad %s value as one JSON usage error', async (flag) => {
    const world = await makeWorld();
    const r = await run(world, [...happyArgv(name, spec, world), flag, '%bogus%', '--json']);
    expect(r.code).toBe(2);
    expectOneJsonError(r, 'USAGE');
  });
});

describe('exai --json outside any command', () => {
  it('reports an unknown command as one JSON usage error', async () => {
    const world = await makeWorld();
    const r = await run(world, ['frobnicate', '--json']);
    expect(r.code).toBe(2);
    expectOneJsonError(r, 'USAGE');
    expect(r.stderr).toContain('frobnicate');
  });
});

describe('commander messages', () => {
  it('are redacted like every other line, in text and in JSON', async () => {
    const world = await makeWorld();
    const key = 'sk-contract-SECRET-0123456789abcdef';
    const env = { MOONSHOT_API_KEY: key };
    const text = await run(world, ['ls', '--provider', key], { env });
    const json = await run(world, ['ls', '--provider', key, '--json'], { env });
    expect(text.code).toBe(2);
    expect(json.code).toBe(2);
    expect(text.stderr + json.stderr).not.toContain(key);
  });
});
