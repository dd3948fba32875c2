/**
 * Bundle the compiled CLI (dist/) into dist/bundle/ for bin/exai.js, then train the bundles'
 * V8 code caches (scripts/train-code-cache.mjs).
 *
 * - launch.cjs: what bin/exai.js requires (src/launch): loads the others with their caches.
 * - main.cjs: the CLI with everything it always or often needs.
 * - vendor bundles, third-party code only a few paths need: http-vendor.cjs (undici and
 *   form-data, loaded when a request goes to a provider), metrics-vendor.cjs (prom-client, when metrics are
 *   exported), tty-vendor.cjs (ora, for a spinner on a terminal) and supabase-vendor.cjs
 *   (supabase-js and tus-js-client, for the shared backend). A dedup hit or a `validate` neither reads them nor
 *   deserialises their caches. Only self-contained libraries go there: a module of exai's own
 *   in two bundles would be two copies (two ExaiError classes).
 *
 * Why bundle: resolving, reading and linking ~150 separate ES modules cost ~90 ms on every
 * upload. Why CommonJS: Node 20 can only be handed a code cache for a vm.Script, and a
 * script is CommonJS-shaped (src/launch/bundle-loader.ts has the measurements).
 *
 * Every bundle must be ASCII (the loader reads it as latin1, which skips UTF-8 decoding) and
 * ends with its build id, a hash of its text that names its cache file.
 * Left outside the bundles: better-sqlite3's native addon, loaded by path from node_modules.
 */
import { build } from 'esbuild';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { appendFile, readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const OUT = path.join(ROOT, 'dist', 'bundle');
const BUILD_ID_MARK = '//# exai-build-id=';
const FORM_DATA_DIR = `${path.sep}node_modules${path.sep}form-data${path.sep}`;

/** Each vendor bundle's exports, by the module id exai's code imports them as. */
const VENDORS = {
  'http-vendor.cjs': {
    'undici/lib/dispatcher/agent.js': 'Agent',
    'undici/lib/api/api-request.js': 'request',
    'undici/lib/core/connect.js': 'buildConnector',
    'form-data': 'FormData',
  },
  // Only when metrics are exported (a sink is configured, or `exai metrics`): never on the hot path.
  'metrics-vendor.cjs': { 'prom-client': 'promClient' },
  // Only on a TTY, for gc's planning spinner.
  'tty-vendor.cjs': { ora: 'ora' },
  // Only with the shared backend (SUPABASE_URL): its client and the tus uploader of its archive.
  // main.cjs never evaluates them for validate or a local/Kimi/GLM upload, but carried them:
  // ~450 KB of its 1.1 MB that every start read.
  'supabase-vendor.cjs': { '@supabase/supabase-js': 'supabaseJs', 'tus-js-client': 'tusJsClient' },
};
/**
 * Modules whose exports object is what exai imports names from: a vendor bundle hands over the
 * whole namespace, not a default export (supabase-js marks itself __esModule and has none).
 */
const NAMESPACE_IMPORTS = new Set(['@supabase/supabase-js', 'tus-js-client']);
const VENDOR_OF = new Map(Object.entries(VENDORS).flatMap(([bundle, ids]) => Object.entries(ids).map(([id, name]) => [id, { bundle, name }])));

const COMMON = {
  bundle: true,
  format: 'cjs',
  platform: 'node',
  target: 'node20',
  charset: 'ascii',
  // import() of a Node built-in becomes a lazy require: a vm.Script can only import() through
  // an experimental hook that prints a warning.
  supported: { 'dynamic-import': false },
  // Whitespace and comments out, names kept (stack traces still say which function).
  minifyWhitespace: true,
  minifySyntax: true,
  // Licence comments go to <bundle>.LEGAL.txt, kept whole (some names in them are not ASCII).
  legalComments: 'external',
  logLevel: 'warning',
};

/**
 * form-data only frames exai's requests (providers/multipart.ts): it never sends one (its
 * submit() needs http/https) and never guesses a type (every part gets an explicit
 * contentType, so mime-types and its 190 KB mime-db go unused). Loading them cost ~12 ms per
 * upload. In the bundle those three imports *from form-data* become stubs that throw if
 * anything ever touches them, so a future use fails loudly instead of silently.
 */
const formDataUnusedDeps = {
  name: 'form-data-unused-deps',
  setup(b) {
    b.onResolve({ filter: /^(http|https|mime-types)$/ }, (args) =>
      args.importer.includes(FORM_DATA_DIR) ? { path: args.path, namespace: 'exai-unused' } : undefined,
    );
    b.onLoad({ filter: /.*/, namespace: 'exai-unused' }, (args) => ({
      loader: 'js',
      contents: `module.exports = new Proxy({}, { get(_target, key) {
        throw new Error('form-data used ' + ${JSON.stringify(args.path)} + '.' + String(key) + ', which the exai bundle leaves out (scripts/bundle.mjs)');
      } });`,
    }));
  },
};

const CHALK_DIR = `${path.sep}node_modules${path.sep}chalk${path.sep}`;

/**
 * chalk probes the terminal when it is loaded (its vendored supports-color calls tty.isatty,
 * and node:tty brings net with it: ~2.5 ms of every start) for its default instances, which
 * exai never uses: output.ts builds its own Chalk with the level decideColor() chose. In
 * main.cjs that probe becomes "no colour support" data; the Chalk exai builds is unchanged.
 */
const chalkWithoutProbe = {
  name: 'chalk-without-probe',
  setup(b) {
    b.onResolve({ filter: /^#supports-color$/ }, (args) => (args.importer.includes(CHALK_DIR) ? { path: args.path, namespace: 'exai-no-probe' } : undefined));
    b.onLoad({ filter: /.*/, namespace: 'exai-no-probe' }, () => ({ loader: 'js', contents: 'export default { stdout: false, stderr: false };' }));
  },
};

/**
 * `exai mcp` runs from mcp.cjs, a bundle of its own with the MCP SDK (and zod, ajv): no other
 * command loads or caches them. In main.cjs the import of mcp/entry.js becomes a require of
 * that sibling. mcp.cjs carries its own copy of exai's core; only plain data and functions
 * cross between the two, and isExaiError() knows an ExaiError from either copy.
 */
const MCP_ENTRY = /[\\/]mcp[\\/]entry\.js$/;
const mcpAsSibling = {
  name: 'mcp-as-sibling',
  setup(b) {
    b.onResolve({ filter: /mcp\/entry\.js$/ }, (args) =>
      MCP_ENTRY.test(path.resolve(args.resolveDir, args.path)) ? { path: args.path, namespace: 'exai-mcp' } : undefined,
    );
    b.onResolve({ filter: /.*/, namespace: 'exai-mcp' }, (args) => ({ path: args.path, external: true }));
    b.onLoad({ filter: /.*/, namespace: 'exai-mcp' }, () => ({ loader: 'js', contents: `module.exports = require('./mcp.cjs');` }));
  },
};

async function bundleMcp() {
  await build({
    ...COMMON,
    entryPoints: [path.join(ROOT, 'dist', 'mcp', 'entry.js')],
    outfile: path.join(OUT, 'mcp.cjs'),
    external: ['*.node'],
    define: { 'import.meta.url': '__exaiBundleUrl' },
    banner: { js: "var __exaiBundleUrl = require('node:url').pathToFileURL(__filename).href;" },
  });
}

/** In main.cjs, a vendored module becomes a property of its vendor bundle's exports. */
const fromVendorBundles = {
  name: 'from-vendor-bundles',
  setup(b) {
    const ids = [...VENDOR_OF.keys()].map((id) => id.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&'));
    b.onResolve({ filter: new RegExp(`^(${ids.join('|')})$`) }, (args) => ({ path: args.path, namespace: 'exai-vendor' }));
    b.onResolve({ filter: /.*/, namespace: 'exai-vendor' }, (args) => ({ path: args.path, external: true }));
    b.onLoad({ filter: /.*/, namespace: 'exai-vendor' }, (args) => {
      const { bundle, name } = VENDOR_OF.get(args.path);
      return { loader: 'js', contents: `module.exports = require(${JSON.stringify(`./${bundle}`)}).${name};` };
    });
  },
};

/**
 * Node built-ins that start-up does not need, loaded on first use: crypto (hashing and random
 * ids; ~15 internal modules) and child_process (commander requires it for executable
 * subcommands, which exai has none of; it pulls in net and dgram). ~4 ms of every dedup hit.
 * And tty, whose isatty() is asked only about character devices (cli/is-terminal.ts).
 * In main.cjs each becomes a module of stand-ins for the functions listed here, which require
 * the real module on their first call. Importing a name not listed is a build error
 * ("No matching export"), so the list cannot silently fall behind the code.
 */
const LAZY_BUILTINS = {
  crypto: ['createHash', 'hash', 'randomBytes', 'randomUUID'],
  child_process: ['spawn'],
  // tty brings net; cli/is-terminal.ts asks only when a descriptor is a character device.
  tty: ['isatty'],
};
const lazyBuiltins = {
  name: 'lazy-builtins',
  setup(b) {
    const filter = new RegExp(`^(node:)?(${Object.keys(LAZY_BUILTINS).join('|')})$`);
    b.onResolve({ filter }, (args) =>
      args.namespace === 'exai-lazy' ? { path: args.path, external: true } : { path: args.path.replace(/^node:/, ''), namespace: 'exai-lazy' },
    );
    b.onLoad({ filter: /.*/, namespace: 'exai-lazy' }, (args) => ({
      loader: 'js',
      contents: [
        `let real;`,
        `const load = () => (real ??= require(${JSON.stringify(`node:${args.path}`)}));`,
        ...LAZY_BUILTINS[args.path].map((name) => `export function ${name}(...args) { return load().${name}(...args); }`),
      ].join('\n'),
    }));
  },
};

async function bundleLaunch() {
  await build({ ...COMMON, entryPoints: [path.join(ROOT, 'dist', 'launch', 'start.js')], outfile: path.join(OUT, 'launch.cjs') });
}

/** A vendor bundle: each module's default export (module.exports for CommonJS), or its namespace, under its name. */
async function bundleVendor(bundle, ids) {
  const contents = Object.entries(ids)
    .map(([id, name], i) => `import ${NAMESPACE_IMPORTS.has(id) ? '* as ' : ''}v${i} from ${JSON.stringify(id)};\nexport { v${i} as ${name} };`)
    .join('\n');
  await build({
    ...COMMON,
    stdin: { contents, resolveDir: ROOT, sourcefile: `${bundle}-entry.mjs`, loader: 'js' },
    outfile: path.join(OUT, bundle),
    plugins: [formDataUnusedDeps],
  });
}

async function bundleCli() {
  await build({
    ...COMMON,
    entryPoints: [path.join(ROOT, 'dist', 'cli', 'main.js')],
    outfile: path.join(OUT, 'main.cjs'),
    // The driver's JavaScript is bundled; its native addon is loaded by path (core/sqlite-driver.ts).
    external: ['*.node'],
    // import.meta.url (package.json for --version, the addon's path) is the bundle's own URL,
    // as it was when the bundle was an ES module in the same folder.
    define: { 'import.meta.url': '__exaiBundleUrl' },
    banner: { js: "var __exaiBundleUrl = require('node:url').pathToFileURL(__filename).href;" },
    plugins: [fromVendorBundles, lazyBuiltins, mcpAsSibling, chalkWithoutProbe],
  });
}

/** Refuse a bundle the loader cannot run as it is, then end it with its build id. */
async function sealBundle(name) {
  const file = path.join(OUT, name);
  const text = await readFile(file);
  const offset = text.findIndex((byte) => byte > 0x7f);
  if (offset !== -1) throw new Error(`${file}: non-ASCII byte at offset ${offset}; the loader reads bundles as latin1`);
  if (text.includes('import(')) throw new Error(`${file}: import() left in the bundle; a vm.Script cannot run it without an experimental hook`);
  const id = createHash('sha256').update(text).digest('hex').slice(0, 32);
  await appendFile(file, `\n${BUILD_ID_MARK}${id}\n`);
}

/**
 * A failed training leaves the bundles without caches: exai works, it just compiles at start.
 * So it is a loud warning, not a failed install (the test suite's code-cache check fails).
 */
function trainCodeCaches() {
  const result = spawnSync(process.execPath, [path.join(ROOT, 'scripts', 'train-code-cache.mjs')], { stdio: 'inherit', cwd: ROOT });
  if (result.status === 0) return;
  process.stderr.write(`warning: training the code caches failed (exit ${result.status ?? result.signal}); exai will start slower until \`npm run build\` succeeds\n`);
}

await rm(OUT, { recursive: true, force: true });
await Promise.all([bundleLaunch(), bundleCli(), bundleMcp(), ...Object.entries(VENDORS).map(([bundle, ids]) => bundleVendor(bundle, ids))]);
for (const name of ['main.cjs', 'mcp.cjs', ...Object.keys(VENDORS)]) await sealBundle(name);
trainCodeCaches();
