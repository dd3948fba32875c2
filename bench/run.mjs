/**
 * Run the benchmarks: `node bench/run.mjs [name…]` (default: every bench/*.mjs except this
 * file and lib.mjs). Prints a table and a JSON summary. A missed target is printed as MISS
 * but still exits 0 — the figures are the product; a bench that crashes exits 1.
 */
import process from 'node:process';
import { existsSync } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import * as lib from './lib.mjs';

const HERE = path.join(lib.ROOT, 'bench');
const NOT_BENCHES = new Set(['run.mjs', 'lib.mjs']);

async function listBenches() {
  const names = (await fs.readdir(HERE)).filter((f) => f.endsWith('.mjs') && !NOT_BENCHES.has(f));
  return names.map((f) => f.slice(0, -'.mjs'.length)).sort();
}

async function runOne(name) {
  const mod = await import(pathToFileURL(path.join(HERE, `${name}.mjs`)).href);
  if (typeof mod.run !== 'function') throw new Error(`bench/${name}.mjs does not export run(lib)`);
  process.stderr.write(`bench ${name}…\n`);
  const rows = await mod.run(lib);
  return rows.map((row) => ({ bench: name, ...row }));
}

function formatTable(rows) {
  const header = ['bench', 'case', 'exai s', 'reference', 'ref s', 'ratio', 'target', 'result', 'extra'];
  const lines = rows.map((r) => [
    r.bench,
    r.name,
    r.exai_s ?? '-',
    r.ref_name ?? '-',
    r.ref_s ?? '-',
    r.ratio === null || r.ratio === undefined ? '-' : `${r.ratio}×`,
    r.target,
    r.pass ? 'ok' : 'MISS',
    Object.entries(r.extra ?? {}).map(([k, v]) => `${k}=${v}`).join(' '),
  ].map(String));
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i].length)));
  const fmt = (cells) => cells.map((c, i) => c.padEnd(widths[i])).join('  ').trimEnd();
  return [fmt(header), fmt(widths.map((w) => '-'.repeat(w))), ...lines.map(fmt)].join('\n');
}

async function main() {
  if (!existsSync(path.join(lib.ROOT, 'dist', 'cli', 'main.js'))) {
    process.stderr.write('dist/ is missing: run `npm run build` first (npm run bench does).\n');
    return 1;
  }
  const available = await listBenches();
  const wanted = process.argv.slice(2);
  const unknown = wanted.filter((n) => !available.includes(n));
  if (unknown.length > 0) {
    process.stderr.write(`unknown bench: ${unknown.join(', ')} (available: ${available.join(', ')})\n`);
    return 2;
  }
  const rows = [];
  let crashed = false;
  for (const name of wanted.length > 0 ? wanted : available) {
    try {
      rows.push(...(await runOne(name)));
    } catch (error) {
      crashed = true;
      process.stderr.write(`bench ${name} crashed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    }
  }
  const misses = rows.filter((r) => !r.pass);
  process.stdout.write(`\n${formatTable(rows)}\n\n`);
  process.stdout.write(`${JSON.stringify({ node: process.version, runs: lib.RUNS, rows, misses: misses.length }, null, 2)}\n`);
  if (misses.length > 0) process.stdout.write(`\nMISS: ${misses.map((r) => `${r.bench}/${r.name}`).join(', ')}\n`);
  return crashed ? 1 : 0;
}

process.exitCode = await main();
