/**
 * validate benches: 10,000 small files vs `file --mime-type -b` (target ≤0.5×), 1,000 real
 * docx/xlsx/pdf documents (their zip directories read) vs `file` (≤0.5×), and one 256 MiB
 * file vs `sha256sum` (target ≤0.5×, peak RSS ≤100 MiB), cold and warm hash cache.
 *
 * The documents row also prints the floors it is measured against: node_floor_ratio (a bare
 * `node -e 0` over `file`) and node_hash_floor_ratio (a Node script that only reads and hashes
 * the same files); when the latter is above the target, no Node program that reports each
 * file's SHA-256 can meet it on this machine. EXAI_BENCH_VALIDATE=small,docs,big picks cases;
 * EXAI_BENCH_BIN (bench/lib.mjs) runs them against another build for before/after.
 */
import { Buffer } from 'node:buffer';
import process from 'node:process';
import { randomFillSync } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import zlib from 'node:zlib';

const SMALL_FILES = 10_000;
const REAL_DOCUMENTS = 1_000;
const BIG_BYTES = 256 * 1024 * 1024;
const PNG_1X1 = Buffer.from(
  '89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c4890000000d4944415478da63f8ffff3f0005fe02fea7d6a4a30000000049454e44ae426082',
  'hex',
);

const CASES = { small: benchSmallFiles, docs: benchRealDocuments, big: benchBigFile };

/** The validate benches (EXAI_BENCH_VALIDATE=small,docs,big picks some); each cleans up its temp dir. */
export async function run(lib) {
  const wanted = (process.env.EXAI_BENCH_VALIDATE ?? Object.keys(CASES).join(',')).split(',');
  const unknown = wanted.filter((name) => !(name in CASES));
  if (unknown.length > 0) throw new Error(`EXAI_BENCH_VALIDATE: unknown case ${unknown.join(', ')} (cases: ${Object.keys(CASES).join(', ')})`);
  const rows = [];
  for (const name of wanted) rows.push(...(await CASES[name](lib)));
  return rows;
}

// Read and hash every file named in names.txt, nothing else: the least a Node hasher does.
const HASH_ONLY = `const fs = require('node:fs'), { hash } = require('node:crypto'); const b = Buffer.allocUnsafe(1 << 21);
for (const n of fs.readFileSync('names.txt', 'utf8').split('\\n')) { if (!n) continue;
  const fd = fs.openSync(n, 'r'); const k = fs.readSync(fd, b, 0, b.length, 0); fs.closeSync(fd); hash('sha256', b.subarray(0, k), 'hex'); }`;

/** The 1,000-document case alone (node -e "…benchRealDocuments(lib)" to time just it). */
export async function benchRealDocuments(lib) {
  const root = await lib.makeTempDir('exai-bench-docs-');
  try {
    const names = await writeRealDocuments(lib, path.join(root, 'docs'));
    await fs.writeFile(path.join(root, 'names.txt'), `${names.join('\n')}\n`);
    const env = lib.withoutExtraCaCerts(lib.isolatedEnv(root));
    // Every node here runs without NODE_EXTRA_CA_CERTS (lib.withoutExtraCaCerts says why; its
    // cost is printed). One document alone is exai's start-up (Node, the bundle, the config): `file` has next to
    // none, so at 1,000 files start-up is most of the ratio. The marginal cost is shown beside it,
    // and so is a bare `node -e 0`: no exai can start faster, so node_floor_ratio is the
    // lowest ratio this machine allows (when it is above the target, the target is out of reach).
    // `file` reads a few KiB of each file; validate must also read and hash every byte (its
    // report carries the SHA-256). HASH_ONLY does just that, in Node, with no check at all (one
    // reused buffer, OpenSSL's SHA-256 as exai uses it): node_hash_floor_ratio is the floor for
    // any Node tool that reports a hash. (`sha256sum` is no floor: coreutils' own SHA-256 is
    // slower than OpenSSL's on CPUs with SHA instructions.)
    const [ref, exai, one, bare, hashOnly, bareWithCa] = await lib.timeInterleaved([
      { cmd: 'file', args: ['--mime-type', '-b', '-f', 'names.txt'], opts: { cwd: root } },
      { cmd: process.execPath, args: lib.exaiArgs('validate', 'docs', '--json'), opts: { cwd: root, env } },
      { cmd: process.execPath, args: lib.exaiArgs('validate', 'docs/doc0.docx', '--json'), opts: { cwd: root, env } },
      { cmd: process.execPath, args: ['-e', '0'], opts: { cwd: root, env } },
      { cmd: process.execPath, args: ['-e', HASH_ONLY], opts: { cwd: root, env } },
      // What every node start here would cost with the CA bundle the environment names.
      ...(process.env.NODE_EXTRA_CA_CERTS ? [{ cmd: process.execPath, args: ['-e', '0'], opts: { cwd: root, env: lib.isolatedEnv(root) } }] : []),
    ]);
    const perFile = (seconds) => Math.round((seconds / REAL_DOCUMENTS) * 1e6) / 1000;
    const round = (n) => Math.round(n * 1000) / 1000;
    const extra = {
      startup_s: round(one.median),
      node_bare_s: round(bare.median),
      node_floor_ratio: round(bare.median / ref.median),
      node_hash_floor_s: round(hashOnly.median),
      node_hash_floor_ratio: round(hashOnly.median / ref.median),
      exai_ms_per_file_after_startup: perFile(exai.median - one.median),
      file_ms_per_file: perFile(ref.median),
      node_hash_ms_per_file: perFile(hashOnly.median - bare.median),
      ...(bareWithCa === undefined ? {} : { extra_ca_certs_s_per_node_start: round(bareWithCa.median - bare.median) }),
    };
    return [lib.ratioRow(`validate ${REAL_DOCUMENTS} real docx/xlsx/pdf --json`, exai.median, 'file --mime-type -b', ref.median, 0.5, extra)];
  } finally {
    await lib.removeDir(root);
  }
}

// LibreOffice's own documents at realistic sizes (bench/fixtures: a 26-page docx of ~40 KB,
// its PDF export of ~110 KB, an xlsx of 11,200 cells of ~90 KB), a third each, each made
// unique: a zip comment for the zips (the end record's comment field), a comment line after
// the PDF's %%EOF (where an incremental update would go; the xref offsets stay right).
async function writeRealDocuments(lib, dir) {
  await fs.mkdir(dir, { recursive: true });
  const fixtures = path.join(lib.ROOT, 'bench', 'fixtures');
  const sources = await Promise.all(['report.docx', 'sheet.xlsx', 'report.pdf'].map((name) => fs.readFile(path.join(fixtures, name))));
  const names = [];
  for (let i = 0; i < REAL_DOCUMENTS; i++) {
    const kind = i % 3;
    const name = path.join('docs', `doc${i}.${['docx', 'xlsx', 'pdf'][kind]}`);
    const body = kind === 2 ? Buffer.concat([sources[2], Buffer.from(`% file ${i}\n`)]) : withZipComment(sources[kind], `file ${i}`);
    await fs.writeFile(path.join(dir, '..', name), body);
    names.push(name);
  }
  return names;
}

function withZipComment(zip, comment) {
  const end = zip.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
  const text = Buffer.from(comment);
  const record = Buffer.from(zip.subarray(end, end + 22));
  record.writeUInt16LE(text.length, 20);
  return Buffer.concat([zip.subarray(0, end), record, text]);
}

async function benchSmallFiles(lib) {
  const root = await lib.makeTempDir('exai-bench-small-');
  try {
    const names = await writeSmallFiles(lib, path.join(root, 'files'));
    await fs.writeFile(path.join(root, 'names.txt'), `${names.join('\n')}\n`);
    const env = lib.withoutExtraCaCerts(lib.isolatedEnv(root));
    const [ref, exai] = await lib.timeInterleaved([
      { cmd: 'file', args: ['--mime-type', '-b', '-f', 'names.txt'], opts: { cwd: root } },
      { cmd: process.execPath, args: lib.exaiArgs('validate', 'files', '--json'), opts: { cwd: root, env } },
    ]);
    return [lib.ratioRow(`validate ${SMALL_FILES} small files --json`, exai.median, 'file --mime-type -b', ref.median, 0.5)];
  } finally {
    await lib.removeDir(root);
  }
}

// Every file has its own bytes, as in a real tree: a comment line in each PDF, a tEXt chunk in
// each PNG (so nothing can be learnt once and reused across files).
function uniquePdf(pdf, i) {
  const headerEnd = pdf.indexOf(0x0a) + 1;
  return Buffer.concat([pdf.subarray(0, headerEnd), Buffer.from(`% file ${i}\n`), pdf.subarray(headerEnd)]);
}

function uniquePng(i) {
  const data = Buffer.from(`Comment\0file ${i}`, 'latin1');
  const type = Buffer.from('tEXt', 'latin1');
  const chunk = Buffer.alloc(12 + data.length);
  chunk.writeUInt32BE(data.length, 0);
  type.copy(chunk, 4);
  data.copy(chunk, 8);
  chunk.writeUInt32BE(zlib.crc32(Buffer.concat([type, data])), 8 + data.length);
  const afterIhdr = 8 + 25; // signature + IHDR chunk
  return Buffer.concat([PNG_1X1.subarray(0, afterIhdr), chunk, PNG_1X1.subarray(afterIhdr)]);
}

// A third each of real PDFs, PNGs and UTF-8 text, 1,000 to a directory.
async function writeSmallFiles(lib, dir) {
  const pdf = await fs.readFile(path.join(lib.ROOT, 'examples', 'report.pdf'));
  const names = [];
  for (let i = 0; i < SMALL_FILES; i++) {
    const sub = `d${Math.floor(i / 1000)}`;
    if (i % 1000 === 0) await fs.mkdir(path.join(dir, sub), { recursive: true });
    const kind = i % 3;
    const name = path.join('files', sub, `f${i}.${['pdf', 'png', 'txt'][kind]}`);
    const body = kind === 0 ? uniquePdf(pdf, i) : kind === 1 ? uniquePng(i) : Buffer.from(`line ${i}: ${'lorem ipsum dolor sit amet '.repeat(1 + (i % 40))}\n`);
    await fs.writeFile(path.join(dir, '..', name), body);
    names.push(name);
  }
  return names;
}

async function benchBigFile(lib) {
  const root = await lib.makeTempDir('exai-bench-big-');
  try {
    await writeBigPdf(path.join(root, 'big.pdf'));
    const env = lib.withoutExtraCaCerts(lib.isolatedEnv(root));
    const dropState = () => lib.removeDir(env.EXAI_STATE_DIR);
    const args = lib.exaiArgs('validate', 'big.pdf', '--json');
    // In turns: the reference, a run with no hash cache, then a run with the cache it left.
    const [ref, cold, warm] = await lib.timeInterleaved([
      { cmd: 'sha256sum', args: ['big.pdf'], opts: { cwd: root } },
      { cmd: process.execPath, args, opts: { cwd: root, env, before: dropState } },
      { cmd: process.execPath, args, opts: { cwd: root, env } },
    ]);
    await dropState();
    const rss = await lib.peakRssMiB(process.execPath, args, { cwd: root, env });
    return [
      lib.ratioRow('validate 256 MiB file (cold cache)', cold.median, 'sha256sum', ref.median, 0.5),
      lib.ratioRow('validate 256 MiB file (warm cache)', warm.median, 'sha256sum', ref.median, 0.5),
      lib.limitRow('validate 256 MiB file peak RSS', rss.mib, 'MiB', 100, { method: rss.method }),
    ];
  } finally {
    await lib.removeDir(root);
  }
}

// A PDF header over random bytes: sniffed as PDF, and nothing for the text checks to skip.
async function writeBigPdf(file) {
  const handle = await fs.open(file, 'w');
  try {
    await handle.write(Buffer.from('%PDF-1.4\n%\xe2\xe3\xcf\xd3\n', 'latin1'));
    const chunk = Buffer.allocUnsafe(8 * 1024 * 1024);
    for (let written = 0; written < BIG_BYTES; written += chunk.length) await handle.write(randomFillSync(chunk));
    await handle.write(Buffer.from('\n%%EOF\n'));
  } finally {
    await handle.close();
  }
}
