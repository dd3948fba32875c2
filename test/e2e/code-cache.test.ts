import { spawn, spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const BUNDLES = path.resolve('dist/bundle');

/** Start the built bundles the way bin/exai.js does, in a fresh process; report what V8 took. */
function loadBuiltBundles(setFlags: boolean): Promise<Record<string, boolean>> {
  const script = `
    const launch = require(${JSON.stringify(path.join(BUNDLES, 'launch.cjs'))});
    if (${setFlags}) launch.keepWasmOnBaselineTier();
    const loader = launch.createBundleLoader(${JSON.stringify(BUNDLES)});
    loader.require('main.cjs');
    loader.require('http-vendor.cjs');
    loader.require('supabase-vendor.cjs');
    process.stdout.write(JSON.stringify(Object.fromEntries(loader.loaded().map((b) => [b.name, b.cacheAccepted]))));
  `;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve(JSON.parse(out) as Record<string, boolean>) : reject(new Error(`exit ${code}`))));
  });
}

describe('the build’s code caches', () => {
  it('are taken by V8 when the bundles start as bin/exai.js starts them', async () => {
    expect(await loadBuiltBundles(true)).toEqual({ 'main.cjs': true, 'http-vendor.cjs': true, 'supabase-vendor.cjs': true });
  });

  it('are refused, harmlessly, by a process with other V8 flags', async () => {
    expect(await loadBuiltBundles(false)).toEqual({ 'main.cjs': false, 'http-vendor.cjs': false, 'supabase-vendor.cjs': false });
  });
});

describe('bin/exai.js', () => {
  it('says how to build when the bundles are missing, instead of a stack trace', () => {
    const root = mkdtempSync(path.join(os.tmpdir(), 'exai-unbuilt-'));
    try {
      mkdirSync(path.join(root, 'bin'));
      for (const name of ['exai.js', 'package.json']) copyFileSync(path.resolve('bin', name), path.join(root, 'bin', name));
      const result = spawnSync(process.execPath, [path.join(root, 'bin', 'exai.js'), '--version'], { encoding: 'utf8' });
      expect(result.status).toBe(1);
      expect(result.stderr).toContain('exai: not built');
      expect(result.stderr).toContain('npm run build');
      expect(result.stderr).not.toContain('    at ');
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});
