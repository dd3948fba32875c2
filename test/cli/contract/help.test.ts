/**
 * Rule: help is complete and alike for every command: examples, choices and defaults listed,
 * one-line summaries in one style, `exai help <command>` equal to `<command> --help`, topics
 * for the environment and exit codes, and "unknown" for a command that does not exist.
 */
import { describe, expect, it } from 'vitest';
import { HELP_TOPICS } from '../../../src/cli/help-topics.js';
import { COMMANDS } from '../../../src/cli/commands/index.js';
import { commandList, longFlag, makeWorld, run } from './harness.js';

describe.each(commandList())('exai %s help', (name, spec) => {
  it('has a lower-case one-line summary without a full stop', () => {
    expect(spec.summary).toMatch(/^[a-z][^\n]*[^.]$/);
  });

  it('shows examples, every flag, its choices and its default; `exai help` shows the same', async () => {
    const world = await makeWorld();
    const r = await run(world, [...name.split(' '), '--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('Examples:');
    expect(r.stdout).toMatch(new RegExp(`\\n  exai ${name}\\b`));
    // Commander wraps long descriptions: compare with the line breaks folded.
    const flat = r.stdout.replace(/\s+/g, ' ');
    for (const option of spec.options) {
      expect(flat).toContain(longFlag(option.flags));
      for (const choice of option.choices ?? []) expect(flat).toContain(`"${choice}"`);
      if (option.defaultText) expect(flat).toContain(`(default: ${option.defaultText})`);
    }
    expect((await run(world, ['help', ...name.split(' ')])).stdout).toBe(r.stdout);
  });
});

describe('exai help', () => {
  it('gives the top-level help examples, the no-key default, the environment and exit codes', async () => {
    const world = await makeWorld();
    const r = await run(world, ['help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('Examples:');
    expect(r.stdout).toMatch(/no MOONSHOT_API_KEY or ZAI_API_KEY.*local provider/);
    expect(r.stdout).toContain('130 interrupted');
    for (const top of COMMANDS) expect(r.stdout.replace(/\s+/g, ' ')).toContain(top.summary);
    expect((await run(world, ['--help'])).stdout).toBe(r.stdout);
  });

  it('has topics for the environment and the exit codes', async () => {
    const world = await makeWorld();
    const env = await run(world, ['help', 'environment']);
    expect(env.code).toBe(0);
    for (const name of ['MOONSHOT_API_KEY', 'ZAI_API_KEY', 'EXAI_ALLOWED_PATHS', 'EXAI_ALLOW_EXTERNAL_PATHS', 'NO_COLOR', 'FORCE_COLOR']) expect(env.stdout).toContain(name);
    const codes = await run(world, ['help', 'exit-codes']);
    for (const code of [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 130]) expect(codes.stdout).toMatch(new RegExp(`^ +${code}  `, 'm'));
    expect(Object.keys(HELP_TOPICS).sort()).toEqual(['environment', 'exit-codes']);
  });

  it('says a command that does not exist is unknown (exit 2) instead of showing other help', async () => {
    const world = await makeWorld();
    const r = await run(world, ['help', 'gc-that-does-not-exist']);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain('unknown command or help topic "gc-that-does-not-exist"');
    expect((await run(world, ['help', 'config', 'nope'])).code).toBe(2);
  });

  it('lists config set keys with their formats', async () => {
    const world = await makeWorld();
    const r = await run(world, ['help', 'config', 'set']);
    expect(r.stdout).toMatch(/maxFileSize +size: /);
    expect(r.stdout).toMatch(/allowExternalPaths +boolean: /);
    expect(r.stdout).not.toContain('kimi.apiKey');
  });
});

describe('README', () => {
  it('has the same exit codes in its table as `exai help exit-codes`', async () => {
    const { readFile } = await import('node:fs/promises');
    const { EXIT_CODE_MEANINGS } = await import('../../../src/cli/help-topics.js');
    const readme = await readFile('README.md', 'utf8');
    const table = [...readme.matchAll(/^\| (\d+) \|/gm)].map((m) => Number(m[1]));
    expect(table).toEqual(EXIT_CODE_MEANINGS.map(([code]) => code));
  });
});
