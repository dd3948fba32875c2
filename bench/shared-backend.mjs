/**
 * Shared backend (issue 9), exai spawned against the loopback Supabase on a real PostgreSQL
 * (EXAI_TEST_PG_URL, see scripts/pg-start.sh) and a fake Kimi:
 * - requests per fresh upload with the backend (claim, complete, archive), counted at the server;
 * - a dedup hit from a second machine: ≤ 1 request to Supabase, 0 to the provider;
 * - 95 MB fresh upload with archive (TUS, 6 MB chunks): peak RSS ≤ 100 MiB.
 * The loopback server is TypeScript (test/servers/): it is bundled with esbuild into
 * bench/.cache for the run, dependencies left to node_modules.
 */
import { spawn } from 'node:child_process';
import { randomFillSync } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import process from 'node:process';
import { pathToFileURL } from 'node:url';
import { build } from 'esbuild';
import { startFakeKimi } from './servers/fake-kimi.mjs';

const API_KEY = 'sk-bench-0123456789abcdef';
const MB = 1_000_000;

/** Counts and peak RSS rows; one skipped row when no PostgreSQL is configured. */
export async function run(lib) {
  if (!process.env.EXAI_TEST_PG_URL) return [skipped('shared backend', 'EXAI_TEST_PG_URL is not set (eval "$(scripts/pg-start.sh)")')];
  const cache = path.join(lib.ROOT, 'bench', '.cache');
  const root = await lib.makeTempDir('exai-bench-shared-');
  const { startSupabaseWorld } = await loadWorld(cache);
  const world = await startSupabaseWorld();
  const kimi = await startFakeKimi({ apiKey: API_KEY });
  try {
    await world.server.addUser('bench@example.com', 'bench-password');
    const machine = (name) => ({ ...lib.isolatedEnv(path.join(root, name)), SUPABASE_URL: world.server.url, SUPABASE_ANON_KEY: world.server.anonKey, MOONSHOT_API_KEY: API_KEY, EXAI_KIMI_BASE_URL: kimi.url });
    const [laptop, runner] = [machine('laptop'), machine('runner')];
    for (const env of [laptop, runner]) await exai(lib, env, root, ['login', '--email', 'bench@example.com', '--password-stdin'], 'bench-password');
    await fs.writeFile(path.join(root, 'small.txt'), 'shared backend bench\n'.repeat(100));
    const fresh = await counted(world, kimi, () => exai(lib, laptop, root, ['upload', 'small.txt', '-q', '--provider', 'kimi']));
    const hit = await counted(world, kimi, () => exai(lib, runner, root, ['upload', 'small.txt', '-q', '--provider', 'kimi']));
    const rows = [
      { ...lib.limitRow('fresh upload: Supabase requests (claim, complete, archive)', fresh.supabase, 'requests', 4), extra: { value: fresh.supabase, provider: fresh.provider, paths: fresh.paths } },
      { ...lib.limitRow('dedup hit from a second machine: Supabase requests', hit.supabase, 'requests', 1), extra: { value: hit.supabase, paths: hit.paths } },
      lib.limitRow('dedup hit from a second machine: provider requests', hit.provider, 'requests', 0),
    ];
    return [...rows, await bigUpload(lib, root, laptop, world)];
  } finally {
    await kimi.close();
    await world.close();
    await lib.removeDir(root);
    await lib.removeDir(cache);
  }
}

async function bigUpload(lib, root, env, world) {
  const big = path.join(root, 'big.pdf');
  const buffer = Buffer.alloc(95 * MB);
  randomFillSync(buffer);
  buffer.write('%PDF-1.7\n', 0);
  buffer.write('\n%%EOF\n', buffer.length - 7);
  await fs.writeFile(big, buffer);
  const opts = { cwd: root, env: { ...env, EXAI_MAX_FILE_SIZE: '200MB' } };
  const plain = await lib.peakRssMiB(process.execPath, lib.exaiArgs('upload', 'big.pdf', '-q', '--provider', 'kimi', '--no-archive'), opts);
  await fs.appendFile(big, 'x');
  const rss = await lib.peakRssMiB(process.execPath, lib.exaiArgs('upload', 'big.pdf', '-q', '--provider', 'kimi'), opts);
  // The copy must really be there: a failed archive copy is only a warning for exai.
  const stored = await world.admin.query("select 1 from storage.objects where (metadata->>'size')::bigint = $1", [buffer.length + 1]);
  const row = lib.limitRow('95 MB fresh upload with archive: peak RSS', rss.mib, 'MiB', 100, { method: rss.method, without_archive_mib: Math.round(plain.mib), archived: stored.rowCount === 1 });
  return { ...row, pass: row.pass && stored.rowCount === 1 };
}

async function counted(world, kimi, action) {
  const before = world.server.requests.length;
  const uploadsBefore = kimi.uploads.length;
  await action();
  const made = world.server.requests.slice(before);
  return { supabase: made.length, provider: kimi.uploads.length - uploadsBefore, paths: made.map((r) => `${r.method} ${r.path.split('?')[0]}`).join(', ') };
}

/** Spawn exai (never synchronously: the loopback server answers from this process's event loop). */
function exai(lib, env, cwd, args, input = '') {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, lib.exaiArgs(...args), { cwd, env, stdio: ['pipe', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk) => (stderr += chunk));
    child.stdin.end(input);
    child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`exai ${args[0]} exited ${code}: ${stderr.slice(0, 500)}`))));
  });
}

async function loadWorld(cache) {
  const outfile = path.join(cache, 'supabase-world.mjs');
  await build({ entryPoints: ['test/helpers/supabase-world.ts'], bundle: true, platform: 'node', format: 'esm', packages: 'external', outfile, logLevel: 'silent' });
  return import(pathToFileURL(outfile).href);
}

function skipped(name, reason) {
  return { name, exai_s: null, ref_name: null, ref_s: null, ratio: null, target: 'skipped', pass: true, extra: { reason } };
}

