#!/usr/bin/env node
/**
 * Sweep `exai validate` over a corpus of real-world files nobody here wrote (issue 11), and
 * over renamed copies of every executable, script, archive and container found in it.
 * Not a test and not run by npm test: it needs the machine's files and tools, and minutes.
 *
 *   npm run build && node scripts/corpus-sweep.mjs [--no-build-corpus] [--dir /tmp/exai-corpus] [--fuzz N] [--for kimi:file-extract]
 *
 * Prints a summary: formats seen, accepted, rejected by rule, disagreements with `file`,
 * crashes/timeouts, and renamed-copy false accepts (which must be 0). Full results go to
 * <dir>/results.json.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildCorpus, listFiles, makeFuzz } from './corpus/build.mjs';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const dirArg = args.indexOf('--dir');
const root = dirArg === -1 ? '/tmp/exai-corpus' : path.resolve(args[dirArg + 1]);
const forIndex = args.indexOf('--for');
// Judge against one destination's documented list (kimi:file-extract) instead of the default.
const forArgs = forIndex === -1 ? [] : ['--for', args[forIndex + 1]];
const log = (line) => process.stderr.write(`${line}\n`);

const DOC_EXTS = ['pdf', 'docx', 'xlsx', 'pptx', 'doc', 'xls', 'ppt', 'odt', 'ods', 'odp', 'epub', 'txt', 'md', 'csv', 'json', 'png', 'jpg', 'gif', 'mp3', 'wav', 'flac'];
const CONTAINER_EXTS = new Set(['docx', 'xlsx', 'pptx', 'doc', 'xls', 'ppt', 'odt', 'ods', 'odp', 'epub']);
const BATCH = 250;
const PER_KIND = 8;

/** `file --mime-type` for every path (in order), in one process per few thousand paths. */
function fileMimes(files) {
  const out = [];
  for (let i = 0; i < files.length; i += 2000) {
    const list = path.join(root, '.file-list');
    fs.writeFileSync(list, files.slice(i, i + 2000).join('\n'));
    const res = spawnSync('file', ['--mime-type', '-b', '-f', list], { maxBuffer: 64 << 20 });
    out.push(...res.stdout.toString().trimEnd().split('\n'));
  }
  return out;
}

// What counts as "not a document" when picking sources for renamed copies.
function renameKind(file, mime) {
  const head = Buffer.alloc(4);
  const fd = fs.openSync(file, 'r');
  fs.readSync(fd, head, 0, 4, 0);
  fs.closeSync(fd);
  const magic = head.toString('latin1');
  if (magic.startsWith('#!')) return 'script';
  if (magic.startsWith('MZ')) return 'exec:pe';
  if (magic === '\0asm') return 'exec:wasm';
  if (/executable|sharedlib|dosexec|mach-binary|wasm|java-archive|java-applet|x-java|x-object|bytecode/.test(mime)) return `exec:${mime}`;
  if (/zip|gzip|x-tar|bzip2|x-xz|lzma|7z|debian|rpm|msi|ole-storage|sqlite|cab|archive|compress/.test(mime)) return `archive:${mime}`;
  const ext = path.extname(file).slice(1).toLowerCase();
  if (CONTAINER_EXTS.has(ext)) return `container:${ext}`;
  return undefined;
}

/** Copies of executables/scripts/archives/containers under every document name but their own. */
function makeRenamed(files, mimes) {
  const dir = path.join(root, 'renamed');
  fs.mkdirSync(dir, { recursive: true });
  const perKind = new Map();
  const renamed = [];
  files.forEach((file, i) => {
    const kind = renameKind(file, mimes[i]);
    if (kind === undefined) return;
    const n = perKind.get(kind) ?? 0;
    if (n >= PER_KIND) return;
    perKind.set(kind, n + 1);
    const own = path.extname(file).slice(1).toLowerCase();
    for (const ext of DOC_EXTS) {
      if (ext === own) continue;
      const target = path.join(dir, `r${renamed.length}.${ext}`);
      fs.copyFileSync(file, target);
      renamed.push({ path: target, source: file, kind });
    }
  });
  return renamed;
}

/** Run validate over `files` in batches; one record per file, plus per-batch process trouble. */
function sweep(files) {
  const state = fs.mkdtempSync(path.join(os.tmpdir(), 'exai-corpus-state-'));
  const env = { ...process.env, XDG_CONFIG_HOME: `${state}/c`, XDG_DATA_HOME: `${state}/d`, XDG_CACHE_HOME: `${state}/ca`, XDG_STATE_HOME: `${state}/s`, EXAI_ALLOW_EXTERNAL_PATHS: 'false', NO_COLOR: '1' };
  const records = new Map();
  const trouble = [];
  let maxRssKb = 0;
  for (let i = 0; i < files.length; i += BATCH) {
    const batch = files.slice(i, i + BATCH).map((f) => path.relative(root, f));
    const res = spawnSync('timeout', ['300', '/usr/bin/time', '-f', '%M', process.execPath, path.join(repo, 'bin/exai.js'), 'validate', '--json', '-q', ...forArgs, '--', ...batch], { cwd: root, env, maxBuffer: 256 << 20 });
    const stderr = res.stderr.toString();
    const rss = Number(/(\d+)\s*$/.exec(stderr)?.[1] ?? 0);
    maxRssKb = Math.max(maxRssKb, rss);
    const extra = stderr.replace(/\d+\s*$/, '').replace(/Command exited with non-zero status \d+/, '').trim();
    if (res.status !== 0 && res.status !== 3) trouble.push({ batch: i, status: res.status, stderr: extra.slice(0, 2000) });
    else if (extra !== '') trouble.push({ batch: i, status: res.status, stderr: extra.slice(0, 2000) });
    try {
      for (const r of JSON.parse(res.stdout.toString())) records.set(path.resolve(root, r.path), r);
    } catch {
      trouble.push({ batch: i, status: res.status, stdout: res.stdout.toString().slice(0, 500) });
    }
  }
  fs.rmSync(state, { recursive: true, force: true });
  return { records, trouble, maxRssKb };
}

function count(map, key) {
  map.set(key, (map.get(key) ?? 0) + 1);
}

function top(map, n) {
  return [...map.entries()].sort((a, b) => b[1] - a[1]).slice(0, n);
}

// `file` and exai spell some types differently; these are the same thing.
const SAME = [['image/x-ms-bmp', 'image/bmp'], ['audio/x-wav', 'audio/wav'], ['audio/x-flac', 'audio/flac'], ['application/x-gzip', 'application/gzip'], ['text/x-script.python', 'text/x-python'], ['application/javascript', 'text/javascript'], ['audio/x-aiff', 'audio/aiff']];
const alias = (mime) => SAME.find(([a]) => a === mime)?.[1] ?? mime;

function summarise(real, realMimes, renamed, result) {
  const lines = [];
  const exts = new Map();
  const rejectedBy = new Map();
  const disagree = new Map();
  const rejectedByExt = new Map();
  let accepted = 0;
  let missing = 0;
  real.forEach((file, i) => {
    const ext = path.extname(file).toLowerCase() || '(none)';
    count(exts, ext);
    const r = result.records.get(file);
    if (r === undefined) return void missing++;
    if (r.valid) {
      accepted++;
      const ours = r.metadata.mime_type;
      if (alias(ours) !== alias(realMimes[i])) count(disagree, `${ext} exai=${ours} file=${realMimes[i]}`);
    } else {
      for (const e of r.errors) count(rejectedBy, e.name);
      count(rejectedByExt, `${ext} ${r.errors.map((e) => e.name).join('+')} (file: ${realMimes[i]})`);
    }
  });
  const falseAccepts = renamed.filter((c) => result.records.get(c.path)?.valid === true);
  const renamedMissing = renamed.filter((c) => !result.records.has(c.path)).length;
  lines.push(`real files: ${real.length} (${exts.size} extensions, ${new Set(realMimes).size} types by file(1))`);
  const byType = new Map();
  real.forEach((file, i) => {
    const seen = byType.get(realMimes[i]) ?? [0, 0];
    seen[0] += result.records.get(file)?.valid === true ? 1 : 0;
    seen[1] += 1;
    byType.set(realMimes[i], seen);
  });
  lines.push(`formats seen (file(1) type accepted/total): ${[...byType.entries()].sort((a, b) => b[1][1] - a[1][1]).map(([type, [ok, all]]) => `${type.replace(/^application\//, '')} ${ok}/${all}`).join(', ')}`);
  lines.push(`accepted: ${accepted}; rejected: ${real.length - accepted - missing}; no result: ${missing}`);
  lines.push(`rejected by rule: ${top(rejectedBy, 20).map(([k, v]) => `${k} ${v}`).join(', ')}`);
  lines.push(`accepted with a type file(1) disagrees on (${[...disagree.values()].reduce((a, b) => a + b, 0)}):`);
  for (const [k, v] of top(disagree, 40)) lines.push(`  ${v}× ${k}`);
  lines.push('rejections by extension and reason (for false-reject review):');
  for (const [k, v] of top(rejectedByExt, 200)) lines.push(`  ${v}× ${k}`);
  lines.push(`renamed copies: ${renamed.length} from ${new Set(renamed.map((c) => c.source)).size} sources; no result: ${renamedMissing}`);
  lines.push(`renamed-copy false accepts: ${falseAccepts.length}`);
  for (const c of falseAccepts.slice(0, 30)) lines.push(`  ACCEPTED ${c.path} <- ${c.source} (${c.kind}) as ${result.records.get(c.path).metadata.mime_type}`);
  lines.push(`process trouble (crash, timeout, stderr): ${result.trouble.length}; max RSS ${Math.round(result.maxRssKb / 1024)} MiB per batch of ${BATCH}`);
  for (const t of result.trouble.slice(0, 10)) lines.push(`  ${JSON.stringify(t).slice(0, 600)}`);
  return { lines, falseAccepts };
}

function main() {
  if (!fs.existsSync(path.join(repo, 'dist'))) throw new Error('run `npm run build` first');
  const real = args.includes('--no-build-corpus') ? listFiles(path.join(root, 'real')) : buildCorpus(root, repo, log);
  fs.rmSync(path.join(root, 'renamed'), { recursive: true, force: true });
  const realMimes = fileMimes(real);
  const renamed = makeRenamed(real, realMimes);
  const fuzzArg = args.indexOf('--fuzz');
  const fuzz = makeFuzz(root, real, fuzzArg === -1 ? 8 : Number(args[fuzzArg + 1]));
  log(`sweeping ${real.length} real files, ${renamed.length} renamed copies and ${fuzz.length} damaged copies`);
  const started = Date.now();
  const result = sweep([...real, ...renamed.map((c) => c.path), ...fuzz]);
  const fuzzAccepted = fuzz.filter((f) => result.records.get(f)?.valid === true).length;
  const { lines, falseAccepts } = summarise(real, realMimes, renamed, result);
  lines.push(`damaged copies: ${fuzz.length}, no result: ${fuzz.filter((f) => !result.records.has(f)).length}, accepted: ${fuzzAccepted} (a damaged image or document can still be one)`);
  lines.push(`sweep took ${((Date.now() - started) / 1000).toFixed(1)} s`);
  const dump = { real: real.map((f, i) => ({ path: f, file: realMimes[i], result: result.records.get(f) })), renamed: renamed.map((c) => ({ ...c, result: result.records.get(c.path) })), fuzz: fuzz.map((f) => ({ path: f, result: result.records.get(f) })), trouble: result.trouble };
  fs.writeFileSync(path.join(root, 'results.json'), JSON.stringify(dump, null, 1));
  process.stdout.write(`${lines.join('\n')}\n`);
  process.exitCode = falseAccepts.length > 0 || result.trouble.some((t) => t.status !== 0 && t.status !== 3) ? 1 : 0;
}

main();
