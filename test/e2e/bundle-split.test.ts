/**
 * What a command costs before its first file includes every bundle it reads and deserialises:
 * the everyday commands must run from main.cjs alone, leaving the shared backend's libraries
 * (supabase-vendor.cjs), HTTP (http-vendor.cjs) and the rest to the paths that use them.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const BUNDLES = path.resolve('dist/bundle');

/** Run exai commands in one fresh process from the built bundles; resolve to the bundles each loaded. */
function bundlesLoadedBy(root: string, commands: string[][]): Promise<{ codes: number[]; loaded: string[][] }> {
  const script = `
    const { Writable } = require('node:stream');
    const launch = require(${JSON.stringify(path.join(BUNDLES, 'launch.cjs'))});
    launch.keepWasmOnBaselineTier();
    const root = ${JSON.stringify(root)};
    const env = { PATH: process.env.PATH, HOME: root, EXAI_CONFIG_DIR: root + '/config', EXAI_DATA_DIR: root + '/data', EXAI_STATE_DIR: root + '/state' };
    const sink = () => new Writable({ write: (_c, _e, done) => done() });
    (async () => {
      const codes = [], loaded = [];
      for (const argv of ${JSON.stringify(commands)}) {
        const loader = launch.createBundleLoader(${JSON.stringify(BUNDLES)});
        const streams = { stdout: sink(), stderr: sink(), stdoutIsTTY: false, stderrIsTTY: false, stdinIsTTY: false };
        codes.push(await launch.cliFrom(loader).main(argv, { env, cwd: root, home: root, streams }));
        loaded.push(loader.loaded().map((b) => b.name));
      }
      process.stdout.write(JSON.stringify({ codes, loaded }));
    })();
  `;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve(JSON.parse(out) as { codes: number[]; loaded: string[][] }) : reject(new Error(`exit ${code}: ${err}`))));
  });
}

describe('the bundles a command loads', () => {
  let root: string;
  beforeAll(() => {
    root = mkdtempSync(path.join(os.tmpdir(), 'exai-bundle-split-'));
    writeFileSync(path.join(root, 'one.pdf'), '%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n');
  });
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('validate, a local upload and its dedup hit, ls, --help and --version need only main.cjs', async () => {
    const commands = [['validate', 'one.pdf', '--json'], ['upload', 'one.pdf'], ['upload', 'one.pdf'], ['ls'], ['--help'], ['--version']];
    const { codes, loaded } = await bundlesLoadedBy(root, commands);
    expect(codes).toEqual([0, 0, 0, 0, 0, 0]);
    expect(loaded).toEqual(commands.map(() => ['main.cjs']));
  });

  it('validate with stdio on /dev/null never loads node:tty (nor net with it), and still exits 0', async () => {
    expect(await builtinsLoadedBy(root, ['validate', 'one.pdf', '--json'])).toEqual({ code: 0, tty: false, net: false });
  });
});

/** Start exai as bin/exai.js does, stdio on /dev/null; report its exit code and whether tty and net were loaded. */
function builtinsLoadedBy(root: string, argv: string[]): Promise<{ code: number; tty: boolean; net: boolean }> {
  const script = `
    const launch = require(${JSON.stringify(path.join(BUNDLES, 'launch.cjs'))});
    launch.start(${JSON.stringify(BUNDLES)}, ${JSON.stringify(argv)}).then((code) => {
      const has = (name) => process.moduleLoadList.includes('NativeModule ' + name);
      require('node:fs').writeSync(3, JSON.stringify({ code, tty: has('tty'), net: has('net') }));
    });
  `;
  const env = { PATH: process.env['PATH'], HOME: root, EXAI_CONFIG_DIR: `${root}/config`, EXAI_DATA_DIR: `${root}/data`, EXAI_STATE_DIR: `${root}/state` };
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['-e', script], { cwd: root, env, stdio: ['ignore', 'ignore', 'ignore', 'pipe'] });
    let out = '';
    (child.stdio[3] as NodeJS.ReadableStream).on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve(JSON.parse(out) as { code: number; tty: boolean; net: boolean }) : reject(new Error(`exit ${code}`))));
  });
}
