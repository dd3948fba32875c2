#!/usr/bin/env node
// The only file that touches process.exitCode: run the built CLI (the bundle scripts/bundle.mjs
// makes from dist/) and hand back its code.
import v8 from 'node:v8';
import { run } from '../dist/bundle/main.js';

keepWasmOnBaselineTier();
process.exitCode = await run(process.argv.slice(2));

/**
 * undici parses HTTP with llhttp compiled to WebAssembly. After a few responses V8 starts
 * recompiling it with its optimising tier on a background thread: ~30 MB of peak RSS and
 * ~50-100 ms at exit (Node waits for the compile job) for a CLI that parses a handful of
 * small JSON replies. The baseline tier parses those just as well. The flag exists in the
 * V8 of every Node major listed here; an unknown flag would print an error, so no guessing.
 */
function keepWasmOnBaselineTier() {
  const major = Number(process.versions.node.split('.')[0]);
  if (major >= 20 && major <= 24) v8.setFlagsFromString('--liftoff-only');
}
