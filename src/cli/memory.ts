/**
 * A young-generation GC on demand, for streaming big files with flat memory. Each chunk read
 * from disk is a fresh buffer outside the JS heap; V8 frees them only after ~64 MiB of
 * external allocations have piled up, which made a 95 MB upload peak at ~150 MB RSS. A
 * scavenge every 16 MiB streamed costs well under a millisecond on exai's small heap.
 *
 * `--expose-gc` can't be passed through `node bin/exai.js`, so the flag is set at run time and
 * the `gc` function taken from a fresh context (the flag only applies to contexts created
 * after it). If that ever fails, upload still works, just with a higher peak.
 */
import v8 from 'node:v8';
import vm from 'node:vm';

type GcFunction = (options?: { type?: 'major' | 'minor'; execution?: 'sync' | 'async' }) => void;

let cached: (() => void) | null | undefined;

/** A function that runs a minor GC, or undefined when the runtime won't provide one. */
export function memoryReclaimer(): (() => void) | undefined {
  if (cached === undefined) cached = loadReclaimer();
  return cached ?? undefined;
}

function loadReclaimer(): (() => void) | null {
  try {
    v8.setFlagsFromString('--expose-gc');
    const gc = vm.runInNewContext('gc') as GcFunction | undefined;
    if (typeof gc !== 'function') return null;
    return () => gc({ type: 'major', execution: 'sync' });
  } catch {
    return null;
  }
}
