/**
 * Train the V8 code caches bin/exai.js loads the bundles with (src/launch/bundle-loader.ts).
 * Run by scripts/bundle.mjs after the bundles are written.
 *
 * One process, set up as bin/exai.js sets it up (the same V8 flags: a cache made under other
 * flags is rejected), runs the commands people run most against throwaway state: validate,
 * an upload to the local provider and its dedup hit, an upload to a fake Kimi on loopback
 * (so http-vendor.cjs gets a cache), ls, quota, rm and config set. Then
 * each loaded bundle's cache is written: it holds the bytecode of every function those runs
 * compiled. A command that fails here writes no cache at all, and the build says so.
 */
import { cp, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { PassThrough, Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { startFakeKimi } from '../bench/servers/fake-kimi.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const BUNDLES = path.join(ROOT, 'dist', 'bundle');
const API_KEY = 'sk-train-0123456789abcdef';

const require = createRequire(import.meta.url);
const launch = require(path.join(BUNDLES, 'launch.cjs'));
launch.keepWasmOnBaselineTier();
const loader = launch.createBundleLoader(BUNDLES);
const cli = launch.cliFrom(loader);

const dir = await mkdtemp(path.join(os.tmpdir(), 'exai-train-'));
const kimi = await startFakeKimi({ apiKey: API_KEY });
try {
  await cp(path.join(ROOT, 'examples'), path.join(dir, 'work'), { recursive: true });
  await copyOfficeSamples(path.join(dir, 'work'));
  await writeFile(path.join(dir, 'work', 'other.pdf'), '%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n');
  const local = envFor(dir, {});
  const remote = envFor(dir, { MOONSHOT_API_KEY: API_KEY, EXAI_KIMI_BASE_URL: kimi.url });
  await exai(['--version'], local);
  await exai(['validate', '.', '--json'], local);
  await exai(['upload', 'report.pdf', 'notes.md'], local);
  await exai(['upload', 'report.pdf', '--json'], local);
  await exai(['upload', 'other.pdf', '--provider', 'kimi'], remote);
  await exai(['ls'], local);
  await exai(['quota', '--json'], local);
  await exai(['rm', 'report.pdf', '--yes'], local);
  await exai(['config', 'set', 'concurrency', '3'], local);
  await mcpSession(local);
  // The shared backend needs a Supabase server to run against, which a build has none of;
  // evaluating its vendor bundle still caches the libraries' module code, the bulk of its start.
  loader.require('supabase-vendor.cjs');
  const written = launch.writeCodeCaches(loader);
  process.stdout.write(`code caches: ${written.map((f) => path.relative(ROOT, f)).join(', ')}\n`);
} finally {
  await kimi.close();
  await rm(dir, { recursive: true, force: true });
}

/**
 * Office documents for validate: zips and compound files are judged by their directories
 * (zip-directory.ts, cfb-directory.ts), code a PDF never reaches; without them here every
 * run over documents would compile that code again. Absent from a tree without the tests.
 */
async function copyOfficeSamples(work) {
  const office = path.join(ROOT, 'test', 'fixtures', 'office');
  for (const name of ['report.docx', 'sheet.xlsx', 'slides.pptx', 'report.doc']) {
    await cp(path.join(office, name), path.join(work, name)).catch(() => undefined);
  }
}

/** One `exai mcp` session in-process (mcp.cjs): initialize, list tools, upload, validate, list. */
async function mcpSession(env) {
  const { runMcp } = loader.require('mcp.cjs');
  const stdin = new PassThrough();
  let replies = '';
  const stdout = new Writable({ write: (chunk, _enc, done) => { replies += chunk; done(); } });
  const messages = [
    { jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'train', version: '1' } } },
    { jsonrpc: '2.0', method: 'notifications/initialized' },
    { jsonrpc: '2.0', id: 2, method: 'tools/list' },
    { jsonrpc: '2.0', id: 3, method: 'tools/call', params: { name: 'upload_files', arguments: { paths: ['notes.md'] } } },
    { jsonrpc: '2.0', id: 4, method: 'tools/call', params: { name: 'validate_files', arguments: { paths: ['.'] } } },
    { jsonrpc: '2.0', id: 5, method: 'tools/call', params: { name: 'list_files', arguments: {} } },
  ];
  const { loadConfig } = await import(path.join(ROOT, 'dist', 'core', 'config', 'load.js'));
  const cwd = path.join(dir, 'work');
  const served = runMcp({
    reloadConfig: () => loadConfig({ env, cwd, home: dir }),
    clock: { now: () => Date.now(), sleep: (ms) => new Promise((r) => setTimeout(r, ms)) },
    cwd,
    userId: 'train',
    signal: new AbortController().signal,
    allowRemove: false,
    redact: (text) => text,
    log: () => undefined,
    version: 'train',
    stdin,
    stdout,
  });
  for (const message of messages) stdin.write(`${JSON.stringify(message)}\n`);
  for (let i = 0; i < 400 && !replies.includes('"id":5'); i++) await new Promise((r) => setTimeout(r, 10));
  stdin.end();
  await served;
  if (!replies.includes('"id":5') || replies.includes('"isError":true')) throw new Error(`exai mcp failed while training the code cache: ${replies.slice(0, 500)}`);
}

function envFor(root, extra) {
  return {
    PATH: process.env.PATH,
    HOME: root,
    EXAI_CONFIG_DIR: path.join(root, 'config'),
    EXAI_DATA_DIR: path.join(root, 'data'),
    EXAI_STATE_DIR: path.join(root, 'state'),
    ...extra,
  };
}

async function exai(argv, env) {
  let stderr = '';
  const discard = new Writable({ write: (_chunk, _enc, done) => done() });
  const errors = new Writable({ write: (chunk, _enc, done) => { stderr += chunk; done(); } });
  const streams = { stdout: discard, stderr: errors, stderrIsTTY: false, stdinIsTTY: false };
  const code = await cli.main(argv, { env, cwd: path.join(dir, 'work'), home: dir, streams });
  if (code !== 0) throw new Error(`exai ${argv.join(' ')} exited ${code} while training the code cache: ${stderr}`);
}
