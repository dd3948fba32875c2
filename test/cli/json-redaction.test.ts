/**
 * `--json` output stays JSON when the redactor masks something inside a string that holds
 * escapes: a path like `x:<LF>b:c@d` looks like URL credentials from its `:`, and masking
 * the serialized text put the mask after a backslash (invalid JSON on stdout).
 */
import { rm } from 'node:fs/promises';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createWorkspace, type Workspace } from '../helpers/workspace.js';

let ws: Workspace;

beforeEach(async () => {
  ws = await createWorkspace();
});

afterEach(async () => {
  await rm(ws.root, { recursive: true, force: true });
});

const HOSTILE = ['x:\nb:c@d.md', 'q:"b:c@d.md', 'https://user:pw@host/a.md'];

describe('--json with paths the redactor masks', () => {
  it('validate writes one parseable document with the masked paths', async () => {
    const result = await ws.main(['validate', ...HOSTILE, '--json']);
    const reports = JSON.parse(result.stdout) as Array<{ path: string; valid: boolean }>;
    expect(reports).toHaveLength(HOSTILE.length);
    expect(reports.every((r) => !r.valid)).toBe(true);
    expect(result.stdout).not.toContain('user:pw');
  });

  it('an error document on stderr parses too', async () => {
    const result = await ws.main(['upload', HOSTILE[0]!, '--json']);
    for (const line of result.stderr.split('\n').filter((l) => l !== '')) expect(() => JSON.parse(line) as unknown).not.toThrow();
    if (result.stdout !== '') expect(() => JSON.parse(result.stdout) as unknown).not.toThrow();
  });
});
