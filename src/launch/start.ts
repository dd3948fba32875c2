/**
 * What bin/exai.js runs: set the process up the way the code caches were trained, then hand
 * argv to the CLI in dist/bundle/main.cjs through the caching loader (bundle-loader.ts).
 */
import v8 from 'node:v8';
import type { MainDeps } from '../cli/main.js';
import { createBundleLoader, type BundleLoader } from './bundle-loader.js';

// launch.cjs is also what scripts/train-code-cache.mjs loads the bundles through.
export { createBundleLoader, writeCodeCaches } from './bundle-loader.js';

/** What main.cjs exports (cli/main.ts). */
export interface CliBundle {
  /** As a process: real streams and environment. */
  run(argv: string[]): Promise<number>;
  /** In-process, with injected environment and streams (the cache trainer uses it). */
  main(argv: string[], deps: MainDeps): Promise<number>;
}

/** Run the CLI from the bundles in `dir`; resolves to its exit code. */
export function start(dir: string, argv: string[]): Promise<number> {
  keepWasmOnBaselineTier();
  return cliFrom(createBundleLoader(dir)).run(argv);
}

/** The CLI's exports from a loader (for start() and the cache trainer). */
export function cliFrom(loader: BundleLoader): CliBundle {
  return loader.require('main.cjs') as CliBundle;
}

/**
 * undici parses HTTP with llhttp compiled to WebAssembly. After a few responses V8 starts
 * recompiling it with its optimising tier on a background thread: ~30 MB of peak RSS and
 * ~50-100 ms at exit (Node waits for the compile job) for a CLI that parses a handful of
 * small JSON replies. The baseline tier parses those just as well. The flag exists in the
 * V8 of every Node major listed here; an unknown flag would print an error, so no guessing.
 * It is part of V8's flag hash, so the cache trainer sets it too (a code cache made under
 * other flags is rejected).
 */
export function keepWasmOnBaselineTier(): void {
  const major = Number(process.versions.node.split('.')[0]);
  if (major >= 20 && major <= 24) v8.setFlagsFromString('--liftoff-only');
}
