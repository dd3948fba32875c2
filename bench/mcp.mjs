/**
 * Agents and programs: (1) ten uploads of small files through one `exai mcp` session vs ten
 * `exai upload` processes — the session saves a process start per call (target ≤ 0.33×, i.e.
 * ≥ 3× faster); (2) `import('exai')` vs `node -e 0` (target ≤ 1.5×). Each round starts from
 * empty data dirs, so every upload is a real one (local provider), not a dedup hit.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs/promises';
import path from 'node:path';
import process from 'node:process';

const FILES = 10;

/** Bench rows. */
export async function run(lib) {
  const dir = await lib.makeTempDir('exai-bench-mcp-');
  try {
    const work = path.join(dir, 'work');
    await fs.mkdir(work, { recursive: true });
    const names = [];
    for (let i = 0; i < FILES; i++) {
      names.push(`note-${i}.md`);
      await fs.writeFile(path.join(work, names[i]), `# note ${i}\n${'text '.repeat(200)}\n`);
    }
    const session = [];
    const processes = [];
    for (let round = 0; round < lib.RUNS + 1; round++) {
      const s = await timeSession(lib, dir, work, names);
      const p = await timeProcesses(lib, dir, work, names);
      if (round > 0) {
        session.push(s);
        processes.push(p);
      }
    }
    const [ref, imported] = await lib.timeInterleaved(
      [
        { cmd: process.execPath, args: ['-e', '0'] },
        { cmd: process.execPath, args: ['--input-type=module', '-e', "await import('exai')"], opts: { cwd: lib.ROOT } },
      ],
      { runs: Math.max(lib.RUNS, 15), warmup: 3 },
    );
    return [
      lib.ratioRow(`${FILES} uploads, one exai mcp session`, median(session), `${FILES} exai upload processes`, median(processes), 0.33),
      lib.ratioRow("import('exai')", imported.median, 'node -e 0', ref.median, 1.5),
    ];
  } finally {
    await lib.removeDir(dir);
  }
}

async function fresh(lib, dir) {
  for (const sub of ['data', 'state']) await lib.removeDir(path.join(dir, sub));
  return lib.isolatedEnv(dir);
}

async function timeProcesses(lib, dir, work, names) {
  const env = await fresh(lib, dir);
  const started = process.hrtime.bigint();
  for (const name of names) {
    const r = await lib.spawnTimed(process.execPath, lib.exaiArgs('upload', name), { cwd: work, env });
    if (r.code !== 0) throw new Error(`exai upload ${name} exited ${r.code}: ${r.stderr}`);
  }
  return Number(process.hrtime.bigint() - started) / 1e9;
}

async function timeSession(lib, dir, work, names) {
  const env = await fresh(lib, dir);
  const started = process.hrtime.bigint();
  const child = spawn(process.execPath, lib.exaiArgs('mcp'), { cwd: work, env, stdio: ['pipe', 'pipe', 'ignore'] });
  const rpc = jsonRpc(child);
  await rpc.call('initialize', { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'bench', version: '1' } });
  rpc.notify('notifications/initialized');
  for (const name of names) {
    const result = await rpc.call('tools/call', { name: 'upload_files', arguments: { paths: [name] } });
    if (result.isError || result.structuredContent?.files?.[0]?.status !== 'uploaded') throw new Error(`mcp upload of ${name}: ${JSON.stringify(result)}`);
  }
  child.stdin.end();
  await new Promise((resolve) => child.on('close', resolve));
  return Number(process.hrtime.bigint() - started) / 1e9;
}

/** Newline-delimited JSON-RPC over a child's stdio: enough of a client for a bench. */
function jsonRpc(child) {
  let buffer = '';
  let nextId = 1;
  const waiting = new Map();
  child.stdout.on('data', (chunk) => {
    buffer += chunk;
    let at;
    while ((at = buffer.indexOf('\n')) !== -1) {
      const message = JSON.parse(buffer.slice(0, at));
      buffer = buffer.slice(at + 1);
      const settle = waiting.get(message.id);
      if (settle) settle(message);
    }
  });
  return {
    call(method, params) {
      const id = nextId++;
      child.stdin.write(`${JSON.stringify({ jsonrpc: '2.0', id, method, params })}\n`);
      return new Promise((resolve, reject) => waiting.set(id, (m) => (m.error ? reject(new Error(JSON.stringify(m.error))) : resolve(m.result))));
    },
    notify(method, params) {
      child.stdin.write(`${JSON.stringify({ jsonrpc: '2.0', method, ...(params ? { params } : {}) })}\n`);
    },
  };
}

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}
