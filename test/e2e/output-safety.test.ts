/**
 * The built CLI as a real process: every byte on its stdout and stderr is redacted and
 * escaped, including commander's own messages, and an untrusted config stops it with exit 9.
 */
/* eslint-disable no-control-regex -- these tests are about control characters */
import { chmod, mkdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createWorkspace, type Workspace } from '../helpers/workspace.js';

const KEY = 'plain-secret-value-Q7x9Zr2';
const RAW = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/;
const workspaces: Workspace[] = [];
afterEach(async () => {
  await Promise.all(workspaces.splice(0).map((ws) => rm(ws.root, { recursive: true, force: true })));
});

async function workspace(): Promise<Workspace> {
  const ws = await createWorkspace();
  workspaces.push(ws);
  return ws;
}

describe('exai as a process (bin/exai.js)', () => {
  it("commander's messages echoing a key or escape sequences come out redacted and inert", async () => {
    const ws = await workspace();
    for (const args of [['ls', '--since', KEY], ['ls', `--${KEY}\x1b]0;t\x07`], ['validate', '--max-size', `\x1b[2J${KEY}`, 'x']]) {
      const r = await ws.spawn(args, { env: { MOONSHOT_API_KEY: KEY } }).done;
      expect(r.code).not.toBe(0);
      expect(r.stderr.length).toBeGreaterThan(0);
      expect(r.stdout + r.stderr).not.toContain(KEY);
      expect(r.stdout + r.stderr).not.toMatch(RAW);
    }
  });

  it('a walked file name with ESC, CR and bidi characters is shown escaped, on one line', async () => {
    const ws = await workspace();
    await ws.file(path.join('in', 'evil\x1b[1A\x1b[2K\r✓ ok\u202Etxt.md'), 'x\n');
    await ws.file(path.join('in', 'plain.txt'), 'x\n');
    const r = await ws.spawn(['validate', 'in']).done;
    expect(r.code).toBe(3);
    expect(r.stdout).not.toMatch(RAW);
    // One line per file (a rejected file's hint follows on a line of its own).
    expect(r.stdout.trim().split('\n').filter((l) => !l.trimStart().startsWith('hint:'))).toHaveLength(2);
    expect(r.stdout).toContain('evil\\x1B[1A\\x1B[2K\\r✓ ok\\u{202E}txt.md');
  });

  it('a group-writable config file stops every command with exit 9 and the fix', async () => {
    const ws = await workspace();
    const dir = ws.env['EXAI_CONFIG_DIR']!;
    await mkdir(dir, { recursive: true, mode: 0o700 });
    await writeFile(path.join(dir, 'config.json'), '{"kimi":{"baseUrl":"http://127.0.0.1:9/v1"}}');
    await chmod(path.join(dir, 'config.json'), 0o664);
    const r = await ws.spawn(['validate', '.']).done;
    expect(r.code).toBe(9);
    expect(r.stderr).toContain('writable by other users');
    expect(r.stderr).toContain('chmod go-w');
  });
});
