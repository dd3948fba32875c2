/**
 * Rule: every confirmation prompt cancels the same way. Ctrl-C or Ctrl-D at the prompt → exit
 * 130 quietly (no error text, no stack), nothing changed; "no" → exit 1, nothing changed.
 * Every command with a --yes flag prompts, so each needs a scenario here (checked below).
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { acquireLock, type LockHandle } from '../../../src/core/lock/index.js';
import { commandList, makeWorld, run, type World } from './harness.js';

/** What makes a command ask, and how to tell that nothing changed. */
interface PromptScenario {
  setup(world: World): Promise<string[]>;
  unchanged(world: World): Promise<boolean>;
}

const held: LockHandle[] = [];
afterEach(async () => {
  await Promise.all(held.splice(0).map((h) => h.release()));
});

const stillListed = async (world: World) => (await run(world, ['ls', '--json'])).stdout.includes(world.fileId);
const lockFile = (world: World) => path.join(world.env.EXAI_STATE_DIR!, 'locks', `${'c'.repeat(64)}.lock`);

const SCENARIOS: Record<string, PromptScenario> = {
  rm: { setup: async (w) => ['rm', w.fileId], unchanged: stillListed },
  gc: { setup: async () => ['gc', '--older-than', '0'], unchanged: stillListed },
  unlock: {
    setup: async (w) => {
      held.push(await acquireLock({ dir: w.env.EXAI_STATE_DIR!, key: 'c'.repeat(64), timeoutMs: 1000, leaseMs: 60_000, owner: { command: 'exai upload' } }));
      return ['unlock', '--all'];
    },
    unchanged: async (w) => existsSync(lockFile(w)),
  },
};

const TTY = { stdinIsTTY: true, stderrIsTTY: true, stdoutIsTTY: true };
const prompting = commandList().filter(([, spec]) => spec.options.some((o) => o.flags.includes('--yes')));

describe('prompts', () => {
  it('has a scenario for every command that can ask', () => {
    expect(prompting.map(([name]) => name).filter((name) => SCENARIOS[name] === undefined)).toEqual([]);
  });
});

describe.each(prompting)('exai %s at its prompt', (name) => {
  const scenario = SCENARIOS[name]!;

  it.each([
    ['Ctrl-C', '\x03'],
    ['Ctrl-D', '\x04'],
  ])('%s exits 130 quietly and changes nothing', async (_key, typed) => {
    const world = await makeWorld();
    const r = await run(world, await scenario.setup(world), { ...TTY, typed });
    expect(r.code).toBe(130);
    expect(r.stderr).toContain('[y/N]');
    expect(r.stderr).not.toMatch(/error|AbortError|at .*\.js/);
    expect(r.stdout).toBe('');
    expect(await scenario.unchanged(world)).toBe(true);
  });

  it('a closed stdin is Ctrl-D, and --json reports the cancel as one JSON error', async () => {
    const world = await makeWorld();
    const r = await run(world, [...(await scenario.setup(world)), '--json'], { ...TTY, typed: null });
    expect(r.code).toBe(130);
    expect(r.stdout).toBe('');
    const lines = r.stderr.split('\n').filter((l) => l.startsWith('{'));
    expect(lines.map((l) => (JSON.parse(l) as { error?: { name: string } }).error?.name)).toEqual(['INTERRUPTED']);
    expect(await scenario.unchanged(world)).toBe(true);
  });

  it('"n" exits 1 and changes nothing', async () => {
    const world = await makeWorld();
    const r = await run(world, await scenario.setup(world), { ...TTY, typed: 'n\r' });
    expect(r.code).toBe(1);
    expect(await scenario.unchanged(world)).toBe(true);
  });

  it('"y" goes ahead', async () => {
    const world = await makeWorld();
    const r = await run(world, await scenario.setup(world), { ...TTY, typed: 'y\r' });
    expect(r.code, r.stderr).toBe(0);
    expect(await scenario.unchanged(world)).toBe(false);
  });
});
