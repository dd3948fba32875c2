import { describe, expect, it } from 'vitest';
import { Output } from '../../../src/cli/output.js';
import { createProgressLine, describeBytes } from '../../../src/cli/progress.js';
import { collect } from '../../cli/run-main.js';

function makeOutput(opts: { tty: boolean; json?: boolean; quiet?: boolean }) {
  const stderr = collect();
  const output = new Output(
    { stdout: collect(), stderr, stderrIsTTY: opts.tty, stdinIsTTY: false },
    { json: opts.json ?? false, quiet: opts.quiet ?? false, color: false, redact: (t) => t },
  );
  return { output, stderr };
}

describe('createProgressLine', () => {
  it('writes a self-rewriting count line on a TTY and clears it on stop', () => {
    const { output, stderr } = makeOutput({ tty: true });
    const line = createProgressLine(output, { unit: 'files', verb: 'validating' });
    line.update(120, 10000);
    line.stop();
    expect(stderr.text()).toBe('\r\x1b[2Kvalidating 120/10000 files…\r\x1b[2K');
  });

  it('rewrites at most about ten times a second', () => {
    const { output, stderr } = makeOutput({ tty: true });
    const line = createProgressLine(output, { unit: 'files', verb: 'validating' });
    for (let i = 1; i <= 1000; i++) line.update(i, 1000);
    expect(stderr.text().match(/validating/g)).toHaveLength(1);
  });

  it('prints nothing when stderr is not a TTY, with --json, or with -q', () => {
    for (const opts of [{ tty: false }, { tty: true, json: true }, { tty: true, quiet: true }]) {
      const { output, stderr } = makeOutput(opts);
      const line = createProgressLine(output, { unit: 'bytes', verb: 'uploading' });
      line.update(5, 10);
      line.stop();
      expect(stderr.text()).toBe('');
    }
  });

  it('the byte variant shows sizes, speed and ETA from the injected clock', () => {
    const { output, stderr } = makeOutput({ tty: true });
    let now = 0;
    const line = createProgressLine(output, { unit: 'bytes', verb: 'uploading', now: () => now });
    now = 2000;
    line.update(8 * 1024 * 1024, 24 * 1024 * 1024);
    expect(stderr.text()).toContain('uploading [######--------------]  8.0 MiB/24.0 MiB  4.0 MiB/s  ETA 4s');
  });
});

describe('describeBytes', () => {
  it('leaves out speed and ETA until there is something to measure', () => {
    expect(describeBytes(0, 2048, 1000)).toBe('0 B/2.0 KiB');
    expect(describeBytes(1024, 2048, 100)).toBe('1.0 KiB/2.0 KiB');
  });

  it('drops the ETA once done', () => {
    expect(describeBytes(2048, 2048, 1000)).toBe('2.0 KiB/2.0 KiB  2.0 KiB/s');
  });

  it('formats long ETAs in minutes', () => {
    expect(describeBytes(1024 * 1024, 100 * 1024 * 1024, 1000)).toContain('ETA 1m 39s');
  });
});
