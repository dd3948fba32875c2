/**
 * cli/is-terminal.ts on descriptors only a child process has: a pipe and a real terminal (a pty
 * through util-linux `script`). Runs the built dist/ copy, as bin/exai.js would.
 */
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';

const MODULE = pathToFileURL(path.resolve('dist/cli/is-terminal.js')).href;
const PROBE = `import(${JSON.stringify(MODULE)}).then((m) => process.stdout.write("answer=" + [0, 1].map(m.isTerminal).join()))`;
const hasScript = spawnSync('script', ['--version'], { stdio: 'ignore' }).status === 0;

describe('isTerminal in a child process', () => {
  it('says false for stdin and stdout on pipes', () => {
    const result = spawnSync(process.execPath, ['-e', PROBE], { encoding: 'utf8', input: '' });
    expect(result.stdout).toBe('answer=false,false');
  });

  it.skipIf(!hasScript)('says true for stdin and stdout on a terminal', () => {
    const command = `${process.execPath} -e '${PROBE}'`;
    const result = spawnSync('script', ['-qec', command, '/dev/null'], { encoding: 'utf8', input: '' });
    expect(result.stdout).toContain('answer=true,true');
  });
});
