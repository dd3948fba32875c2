/**
 * What the CLI costs before it does any work, against `node -e 0`: `exai --version` (target
 * ≤2.5×; in the bench's own environment, as before), and the commands people run most on one
 * small file, `validate --json` and an upload's dedup hit to the local provider (target ≤3.5×:
 * they also load the config, read and hash the file, and the hit opens the catalog). Those two
 * and their `node -e 0` run without NODE_EXTRA_CA_CERTS (lib.withoutExtraCaCerts says why), so
 * their ratio is exai's own start-up.
 */
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import process from 'node:process';

const PDF = '%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n';

/** Startup bench: three rows. */
export async function run(lib) {
  const runs = Math.max(lib.RUNS, 15);
  const [ref, exai] = await lib.timeInterleaved(
    [
      { cmd: process.execPath, args: ['-e', '0'] },
      { cmd: process.execPath, args: lib.exaiArgs('--version') },
    ],
    { runs, warmup: 3 },
  );
  return [lib.ratioRow('exai --version', exai.median, 'node -e 0', ref.median, 2.5), ...(await oneFileRows(lib, runs))];
}

async function oneFileRows(lib, runs) {
  const root = await lib.makeTempDir('exai-bench-startup-');
  try {
    await writeFile(path.join(root, 'one.pdf'), PDF);
    const opts = { cwd: root, env: lib.withoutExtraCaCerts(lib.isolatedEnv(root)) };
    // The first upload stores the file; every timed one is a dedup hit.
    const first = await lib.spawnTimed(process.execPath, lib.exaiArgs('upload', 'one.pdf'), opts);
    if (first.code !== 0) throw new Error(`exai upload one.pdf exited ${first.code}: ${first.stderr.slice(0, 500)}`);
    const [bare, validate, hit] = await lib.timeInterleaved(
      [
        { cmd: process.execPath, args: ['-e', '0'], opts },
        { cmd: process.execPath, args: lib.exaiArgs('validate', 'one.pdf', '--json'), opts },
        { cmd: process.execPath, args: lib.exaiArgs('upload', 'one.pdf'), opts },
      ],
      { runs, warmup: 3 },
    );
    return [
      lib.ratioRow('exai validate one.pdf --json', validate.median, 'node -e 0 (no extra CA)', bare.median, 3.5),
      lib.ratioRow('exai upload one.pdf (dedup hit, local)', hit.median, 'node -e 0 (no extra CA)', bare.median, 3.5),
    ];
  } finally {
    await lib.removeDir(root);
  }
}
