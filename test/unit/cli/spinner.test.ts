import { describe, expect, it } from 'vitest';
import { Output } from '../../../src/cli/output.js';
import { startSpinner } from '../../../src/cli/spinner.js';
import { collect } from '../../cli/run-main.js';

function makeOutput(opts: { tty: boolean; quiet?: boolean; columns?: number }) {
  // A terminal reports its width; a pty nobody sized reports 0.
  const stderr = Object.assign(collect(), opts.tty ? { columns: opts.columns ?? 80 } : {});
  const output = new Output({ stdout: collect(), stderr, stderrIsTTY: opts.tty, stdinIsTTY: false }, { json: false, quiet: opts.quiet ?? false, color: false, redact: (t) => t.replace('SECRET', '***') });
  return { output, stderr };
}

describe('startSpinner', () => {
  it('on a terminal draws the redacted text with a spinner and clears it on stop', async () => {
    const { output, stderr } = makeOutput({ tty: true });
    // ora starts after its lazy import: wait for its first write.
    const written = new Promise<void>((resolve) => {
      const write = stderr.write.bind(stderr);
      stderr.write = ((chunk: string) => (resolve(), write(chunk))) as typeof stderr.write;
    });
    const spinner = startSpinner(output, 'waiting for SECRET lock');
    await written;
    spinner.stop();
    spinner.stop();
    expect(stderr.text()).toContain('waiting for *** lock');
    expect(stderr.text()).not.toContain('SECRET');
    expect(stderr.text()).not.toMatch(/\n$/);
  });

  it('off a terminal prints the text once as a line, and nothing with -q', () => {
    const plain = makeOutput({ tty: false });
    startSpinner(plain.output, 'waiting for a lock').stop();
    expect(plain.stderr.text()).toBe('waiting for a lock\n');
    const quiet = makeOutput({ tty: false, quiet: true });
    startSpinner(quiet.output, 'waiting for a lock').stop();
    expect(quiet.stderr.text()).toBe('');
  });

  it('on a terminal that reports no width prints the text once as a line (ora would spin forever there)', () => {
    for (const columns of [0, Number.NaN]) {
      const { output, stderr } = makeOutput({ tty: true, columns });
      startSpinner(output, 'waiting for a lock').stop();
      expect(stderr.text()).toBe('waiting for a lock\n');
    }
  });

  it('stopped before ora has loaded never draws', async () => {
    const { output, stderr } = makeOutput({ tty: true });
    startSpinner(output, 'short wait').stop();
    await import('ora');
    await new Promise((resolve) => setImmediate(resolve));
    expect(stderr.text()).toBe('');
  });
});
