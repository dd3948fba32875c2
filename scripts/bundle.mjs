/**
 * Bundle the compiled CLI (dist/cli/main.js) into dist/bundle/ for bin/exai.js.
 *
 * Why: resolving, reading and linking ~150 separate ES modules cost exai ~90 ms on every
 * upload and ~10 ms on `--version` (measured on a 95 MB upload to the fake Kimi: 0.48 s
 * unbundled vs 0.39 s bundled, peak RSS 78 vs 70 MB). Code splitting keeps each command's
 * dynamic imports lazy, so a command still loads only what it uses.
 *
 * Left outside the bundle: better-sqlite3's native addon, loaded by path from node_modules.
 */
import { build } from 'esbuild';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const FORM_DATA_DIR = `${path.sep}node_modules${path.sep}form-data${path.sep}`;

/**
 * form-data only frames exai's requests (providers/multipart.ts): it never sends one (its
 * submit() needs http/https) and never guesses a type (every part gets an explicit
 * contentType, so mime-types and its 190 KB mime-db go unused). Loading them cost ~12 ms per
 * upload. In the bundle those three imports *from form-data* become stubs that throw if
 * anything ever touches them, so a future use fails loudly instead of silently.
 */
const formDataUnusedDeps = {
  name: 'form-data-unused-deps',
  setup(build) {
    build.onResolve({ filter: /^(http|https|mime-types)$/ }, (args) =>
      args.importer.includes(FORM_DATA_DIR) ? { path: args.path, namespace: 'exai-unused' } : undefined,
    );
    build.onLoad({ filter: /.*/, namespace: 'exai-unused' }, (args) => ({
      loader: 'js',
      contents: `module.exports = new Proxy({}, { get(_target, key) {
        throw new Error('form-data used ' + ${JSON.stringify(args.path)} + '.' + String(key) + ', which the exai bundle leaves out (scripts/bundle.mjs)');
      } });`,
    }));
  },
};
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
  // The driver's JavaScript is bundled; its native addon is loaded by path (core/sqlite-driver.ts).
  external: ['*.node'],
  // CommonJS dependencies (form-data, commander's helpers) call require() for Node built-ins.
  banner: { js: "import { createRequire as __exaiCreateRequire } from 'node:module'; const require = __exaiCreateRequire(import.meta.url);" },
  plugins: [formDataUnusedDeps],
  logLevel: 'warning',
});
