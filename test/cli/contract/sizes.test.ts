/** Rule: sizes in human output are one format ("2.9 KiB"), never a raw byte count — every command. */
import { describe, expect, it } from 'vitest';
import { outputCommandList, happyArgv, makeWorld, run } from './harness.js';

// "3000 B" or "3000 bytes" outside parentheses; `config list` may add the exact "(3000 bytes)".
const RAW_BYTES = /(?<!\()\b\d{4,} ?(?:B|bytes)\b/;

describe.each(outputCommandList())('exai %s', (name, spec) => {
  it('prints sizes in the human format', async () => {
    const world = await makeWorld();
    const r = await run(world, happyArgv(name, spec, world));
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout + r.stderr).not.toMatch(RAW_BYTES);
  });
});

describe('the size format', () => {
  it('is what ls, validate and rm --dry-run show for the same file', async () => {
    const world = await makeWorld();
    for (const argv of [['ls'], ['validate', 'a.txt'], ['rm', 'a.txt', '--dry-run'], ['upload', 'a.txt']]) {
      const r = await run(world, argv);
      expect(r.stdout + r.stderr, argv.join(' ')).toContain('2.9 KiB');
    }
  });
});
