import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const BIN = path.resolve('bin/exai.js');

describe('exai config (spawned)', () => {
  it('set writes a 0600 file; list shows the value, its source, and never the API key', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'exai-cfg-'));
    const env = { ...process.env, EXAI_CONFIG_DIR: dir, MOONSHOT_API_KEY: 'sk-secretsecretsecret1234' };
    // Piped, not inherited: the test prints nothing of its own.
    const run = (args: string[]) => execFileSync('node', [BIN, ...args], { cwd: dir, env, stdio: ['ignore', 'pipe', 'pipe'] }).toString();
    try {
      run(['config', 'set', 'maxFileSize', '100MB']);
      expect(statSync(path.join(dir, 'config.json')).mode & 0o777).toBe(0o600);
      const list = JSON.parse(run(['config', 'list', '--json'])) as Array<{ key: string; source: string; value: unknown }>;
      const row = list.find((r) => r.key === 'maxFileSize');
      expect(row?.source).toContain('config.json');
      expect(typeof row?.value).toBe('number');
      expect(JSON.stringify(list)).not.toContain('sk-secretsecretsecret1234');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
