/** `exai --version` vs `node -e 0`: what the CLI costs before it does any work (target ≤2.5×). */
import process from 'node:process';

/** Startup bench: one row. */
export async function run(lib) {
  const runs = Math.max(lib.RUNS, 15);
  const ref = await lib.timeMedian(process.execPath, ['-e', '0'], { runs, warmup: 3 });
  const exai = await lib.timeMedian(process.execPath, lib.exaiArgs('--version'), { runs, warmup: 3 });
  return [lib.ratioRow('exai --version', exai.median, 'node -e 0', ref.median, 2.5)];
}
