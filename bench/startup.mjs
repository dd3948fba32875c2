/** `exai --version` vs `node -e 0`: what the CLI costs before it does any work (target ≤2.5×). */
import process from 'node:process';

/** Startup bench: one row. */
export async function run(lib) {
  const runs = Math.max(lib.RUNS, 15);
  const [ref, exai] = await lib.timeInterleaved(
    [
      { cmd: process.execPath, args: ['-e', '0'] },
      { cmd: process.execPath, args: lib.exaiArgs('--version') },
    ],
    { runs, warmup: 3 },
  );
  return [lib.ratioRow('exai --version', exai.median, 'node -e 0', ref.median, 2.5)];
}
