import { execFileSync } from 'node:child_process';
import { mkdtempSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const BIN = path.resolve('bin/exai.js');

describe('exai config (spawned)', () => {
  it('set writes a 0600 file; list shows the value, its source, and never the API key', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'exai-cfg-'));
    const env = { ...process.env, EXAI_CONFIG_DIR: dir, MOONSHOT_API_KEY: 'sk-secretsecretsecret1234' };
    execFileSync('node', [BIN, 'config', 'set', 'maxFileSize', '100MB'], { cwd: dir, env });
    expect(statSync(path.join(dir, 'config.json')).mode & 0o777).toBe(0o600);
    const list = JSON.parse(execFileSync('node', [BIN, 'config', 'list', '--json'], { cwd: dir, env }).toString()) as Array<{ key: string; source: string; value: string }>;
    expect(list.find((r) => r.key === 'maxFileSize')?.source).toContain('config.json');
    expect(JSON.stringify(list)).not.toContain('sk-secretsecretsecret1234');
  });
});
