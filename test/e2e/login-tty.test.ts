/**
 * `exai login` on a terminal (a real pty through util-linux `script`): it asks for the email
 * and the password, and the password is not echoed.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import type { Readable, Writable } from 'node:stream';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startLoopbackSupabase, type LoopbackSupabase } from '../servers/supabase.js';

const hasScript = spawnSync('script', ['--version'], { stdio: 'ignore' }).status === 0;
const BIN = path.resolve('bin/exai.js');

describe.skipIf(!hasScript)(`exai login on a terminal${hasScript ? '' : ' (skipped: no util-linux script for a pty)'}`, () => {
  let server: LoopbackSupabase;
  let root: string;
  beforeAll(async () => {
    server = await startLoopbackSupabase();
    await server.addUser('tty@example.com', 'hunter2-secret');
    root = await fs.mkdtemp(path.join(os.tmpdir(), 'exai-tty-'));
  });
  // A test that times out must not leave its pty and `exai login` behind.
  const children: ChildProcess[] = [];
  const track = (child: ChildProcess): ChildProcess & { stdin: Writable; stdout: Readable } => {
    children.push(child);
    return child as ChildProcess & { stdin: Writable; stdout: Readable };
  };
  afterEach(() => {
    for (const child of children.splice(0)) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
  afterAll(async () => {
    await server?.close();
    await fs.rm(root, { recursive: true, force: true });
  });

  const envOf = () => ({ PATH: process.env['PATH'] ?? '/usr/bin:/bin', HOME: root, EXAI_STATE_DIR: path.join(root, 'state'), EXAI_CONFIG_DIR: path.join(root, 'config'), EXAI_DATA_DIR: path.join(root, 'data'), SUPABASE_URL: server.url, SUPABASE_ANON_KEY: server.anonKey, NO_COLOR: '1' });

  it('prompts for email and a hidden password', async () => {
    const child = track(spawn('script', ['-qec', `${process.execPath} ${BIN} login`, '/dev/null'], { cwd: root, env: envOf(), stdio: ['pipe', 'pipe', 'pipe'] }));
    let out = '';
    let sentEmail = false;
    child.stdout.on('data', (c: Buffer) => {
      out += c.toString();
      if (out.includes('Email: ') && !sentEmail) {
        sentEmail = true;
        child.stdin.write('tty@example.com\r');
      }
      if (out.includes('Password: ') && !child.stdin.writableEnded) child.stdin.end('hunter2-secret\r');
    });
    const code = await new Promise<number>((resolve) => child.on('close', (c) => resolve(c ?? -1)));
    expect(out).toContain('logged in as tty@example.com');
    expect(out).not.toContain('hunter2-secret');
    expect(code).toBe(0);
  });

  it('a pasted "email, password" shows the email, never the password', async () => {
    const child = track(spawn('script', ['-qec', `${process.execPath} ${BIN} login`, '/dev/null'], { cwd: root, env: envOf(), stdio: ['pipe', 'pipe', 'pipe'] }));
    let out = '';
    child.stdout.on('data', (c: Buffer) => {
      out += c.toString();
      if (out.includes('Email: ') && !child.stdin.writableEnded) child.stdin.end('tty@example.com\rhunter2-secret\r');
    });
    const code = await new Promise<number>((resolve) => child.on('close', (c) => resolve(c ?? -1)));
    expect(out).toContain('logged in as tty@example.com');
    expect(out).not.toContain('hunter2-secret');
    expect(code).toBe(0);
  });

  it('Ctrl+D at the password prompt cancels like every prompt (exit 130), not a crash', async () => {
    const child = track(spawn('script', ['-qec', `${process.execPath} ${BIN} login --email tty@example.com`, '/dev/null'], { cwd: root, env: envOf(), stdio: ['pipe', 'pipe', 'pipe'] }));
    let out = '';
    child.stdout.on('data', (c: Buffer) => {
      out += c.toString();
      if (out.includes('Password: ') && !child.stdin.writableEnded) child.stdin.end('\x04');
    });
    const code = await new Promise<number>((resolve) => child.on('close', (c) => resolve(c ?? -1)));
    expect(code).toBe(130);
    expect(out).not.toContain('Error');
    expect(out).not.toContain('internal error');
  });
});
