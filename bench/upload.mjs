/**
 * upload benches (issue 3), each against a reference measured in the same run:
 * - 95 MB to a strict fake Kimi on loopback: exai vs curl -F (≤3×) and vs the openai SDK
 *   (≤0.6×); peak RSS ≤100 MiB for it and for a 500 MB file to the local provider;
 * - re-upload of the unchanged 500 MB file (dedup hit) ≤0.15× its first upload;
 * - 200 × 100 KB with 50 ms server latency: --concurrency 8 ≥5× faster than 1.
 */
import { randomFillSync } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import process from 'node:process';
import { startFakeKimi } from './servers/fake-kimi.mjs';

const MB = 1_000_000;
const API_KEY = 'sk-bench-0123456789abcdef';

/** All upload benches; temp dirs and servers are cleaned up. */
export async function run(lib) {
  const root = await lib.makeTempDir('exai-bench-upload-');
  try {
    return [...(await benchKimi(lib, root)), ...(await benchLocal(lib, root)), ...(await benchConcurrency(lib, root))];
  } finally {
    await lib.removeDir(root);
  }
}

async function benchKimi(lib, root) {
  const server = await startFakeKimi({ apiKey: API_KEY });
  try {
    const file = await writePdf(path.join(root, 'kimi', 'big.pdf'), 95 * MB);
    const cwd = path.dirname(file);
    const env = { ...lib.isolatedEnv(path.join(root, 'kimi-state')), MOONSHOT_API_KEY: API_KEY, EXAI_KIMI_BASE_URL: server.url };
    const fresh = () => lib.removeDir(path.join(root, 'kimi-state'));
    const exaiArgs = lib.exaiArgs('upload', 'big.pdf', '--provider', 'kimi');
    const [exai, curl, sdk] = await lib.timeInterleaved([
      { cmd: process.execPath, args: exaiArgs, opts: { cwd, env, before: fresh } },
      { cmd: 'curl', args: ['-sS', '-o', '/dev/null', '-f', '-H', `Authorization: Bearer ${API_KEY}`, '-F', 'file=@big.pdf', '-F', 'purpose=file-extract', `${server.url}/files`], opts: { cwd } },
      { cmd: process.execPath, args: [path.join(lib.ROOT, 'bench', 'refs', 'openai-upload.mjs'), server.url, file], opts: { cwd, env } },
    ]);
    await fresh();
    const rss = await lib.peakRssMiB(process.execPath, exaiArgs, { cwd, env });
    const sdkRss = await lib.peakRssMiB(process.execPath, [path.join(lib.ROOT, 'bench', 'refs', 'openai-upload.mjs'), server.url, file], { cwd, env });
    return [
      lib.ratioRow('upload 95 MB to fake Kimi', exai.median, 'curl -F', curl.median, 3),
      lib.ratioRow('upload 95 MB to fake Kimi', exai.median, 'openai SDK files.create', sdk.median, 0.6),
      lib.limitRow('upload 95 MB peak RSS', rss.mib, 'MiB', 100, { sdk_mib: Math.round(sdkRss.mib), method: rss.method }),
    ];
  } finally {
    await server.close();
  }
}

async function benchLocal(lib, root) {
  const file = await writePdf(path.join(root, 'local', 'huge.pdf'), 500 * MB);
  const cwd = path.dirname(file);
  const stateDir = path.join(root, 'local-state');
  const env = { ...lib.isolatedEnv(stateDir), EXAI_MAX_FILE_SIZE: '600MB', EXAI_QUOTA: '10GB' };
  const args = lib.exaiArgs('upload', 'huge.pdf', '-q');
  const fresh = () => lib.removeDir(stateDir);
  // In turns: a first upload into fresh state, then the same command again (the dedup hit).
  const [first, again] = await lib.timeInterleaved([
    { cmd: process.execPath, args, opts: { cwd, env, before: fresh } },
    { cmd: process.execPath, args, opts: { cwd, env } },
  ]);
  await fresh();
  const rss = await lib.peakRssMiB(process.execPath, args, { cwd, env });
  return [
    lib.limitRow('upload 500 MB to local peak RSS', rss.mib, 'MiB', 100, { method: rss.method }),
    lib.ratioRow('re-upload unchanged 500 MB (dedup hit)', again.median, 'first upload', first.median, 0.15),
  ];
}

async function benchConcurrency(lib, root) {
  const server = await startFakeKimi({ apiKey: API_KEY, latencyMs: 50 });
  try {
    const dir = path.join(root, 'many');
    await fs.mkdir(path.join(dir, 'files'), { recursive: true });
    for (let i = 0; i < 200; i++) await writeText(path.join(dir, 'files', `f${String(i).padStart(3, '0')}.txt`), 100_000, i);
    const stateDir = path.join(root, 'many-state');
    const env = { ...lib.isolatedEnv(stateDir), MOONSHOT_API_KEY: API_KEY, EXAI_KIMI_BASE_URL: server.url };
    const fresh = () => lib.removeDir(stateDir);
    const upload = (n) => ({ cmd: process.execPath, args: lib.exaiArgs('upload', 'files', '--concurrency', String(n), '-q'), opts: { cwd: dir, env, before: fresh } });
    const [one, eight] = await lib.timeInterleaved([upload(1), upload(8)], { runs: 3 });
    return [lib.ratioRow('200 × 100 KB, 50 ms latency: --concurrency 8', eight.median, '--concurrency 1', one.median, 0.2, { speedup: Math.round((one.median / eight.median) * 10) / 10 })];
  } finally {
    await server.close();
  }
}

/** A PDF header followed by random bytes (so nothing compresses or dedups by accident). */
async function writePdf(file, bytes) {
  await fs.mkdir(path.dirname(file), { recursive: true });
  const handle = await fs.open(file, 'w');
  try {
    await handle.write(Buffer.from('%PDF-1.7\n%\xe2\xe3\xcf\xd3\n', 'latin1'));
    const chunk = Buffer.alloc(4 * 1024 * 1024);
    let left = bytes - 16;
    while (left > 0) {
      randomFillSync(chunk);
      const part = chunk.subarray(0, Math.min(left, chunk.length));
      await handle.write(part);
      left -= part.length;
    }
  } finally {
    await handle.close();
  }
  return file;
}

async function writeText(file, bytes, seed) {
  const line = `line of text number ${seed} for the concurrency bench\n`;
  await fs.writeFile(file, line.repeat(Math.ceil(bytes / line.length)).slice(0, bytes));
}
