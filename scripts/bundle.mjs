/**
 * Bundle the compiled CLI (dist/cli/main.js) into dist/bundle/ for bin/exai.js.
 *
 * Why: resolving, reading and linking ~150 separate ES modules cost exai ~90 ms on every
 * upload and ~10 ms on `--version` (measured on a 95 MB upload to the fake Kimi: 0.48 s
 * unbundled vs 0.39 s bundled, peak RSS 78 vs 70 MB). Code splitting keeps each command's
 * dynamic imports lazy, so a command still loads only what it uses.
 *
 * Left outside the bundle: better-sqlite3 (a native addon), resolved from node_modules.
 */
import { build } from 'esbuild';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const OUT = path.join(ROOT, 'dist', 'bundle');

await rm(OUT, { recursive: true, force: true });
await build({
  entryPoints: [path.join(ROOT, 'dist', 'cli', 'main.js')],
  outdir: OUT,
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  chunkNames: 'chunks/[name]-[hash]',
  external: ['better-sqlite3'],
  // CommonJS dependencies (form-data, commander's helpers) call require() for Node built-ins.
  banner: { js: "import { createRequire as __exaiCreateRequire } from 'node:module'; const require = __exaiCreateRequire(import.meta.url);" },
  logLevel: 'warning',
});
