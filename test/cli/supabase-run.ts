/** Run exai in-process against a loopback Supabase: env for the project, stdin as text, requests counted there. */
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { main } from '../../src/cli/main.js';
import { collect } from './run-main.js';

/** One "machine": its own config, data and state dirs, and a working dir. */
export interface Machine {
  root: string;
  cwd: string;
  env: Record<string, string>;
  run(argv: string[], opts?: { stdin?: string; env?: Record<string, string>; signal?: AbortSignal }): Promise<{ code: number; stdout: string; stderr: string }>;
  close(): Promise<void>;
}

/** A machine whose SUPABASE_URL/KEY point at `project`. */
export async function makeMachine(project: { url: string; anonKey: string }): Promise<Machine> {
  const root = await fs.mkdtemp(path.join(os.tmpdir(), 'exai-machine-'));
  const cwd = path.join(root, 'work');
  await fs.mkdir(cwd);
  const env: Record<string, string> = {
    EXAI_CONFIG_DIR: path.join(root, 'config'),
    EXAI_DATA_DIR: path.join(root, 'data'),
    EXAI_STATE_DIR: path.join(root, 'state'),
    NO_COLOR: '1',
    SUPABASE_URL: project.url,
    SUPABASE_ANON_KEY: project.anonKey,
  };
  const realCwd = await fs.realpath(cwd);
  return {
    root,
    cwd: realCwd,
    env,
    run: async (argv, opts = {}) => {
      const stdout = collect();
      const stderr = collect();
      const code = await main(argv, {
        env: { ...env, ...opts.env },
        cwd: realCwd,
        home: root,
        streams: { stdout, stderr, stderrIsTTY: false, stdinIsTTY: false },
        overrides: { readStdin: () => Promise.resolve(opts.stdin ?? '') },
        ...(opts.signal ? { signal: opts.signal } : {}),
      });
      return { code, stdout: stdout.text(), stderr: stderr.text() };
    },
    close: () => fs.rm(root, { recursive: true, force: true }),
  };
}
