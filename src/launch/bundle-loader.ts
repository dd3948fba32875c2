/**
 * Start exai from its CommonJS bundles (dist/bundle/*.cjs) with the V8 code cache the build
 * trained for each of them.
 *
 * Why: compiling the bundled JavaScript (exai, commander, file-type, better-sqlite3's
 * wrapper; undici and form-data for a network upload) was ~20 ms of a dedup hit and ~60 ms of
 * a 95 MB upload to Kimi. V8 skips that work when a script is handed the bytecode it produced
 * for the same source before (`vm.Script`'s `cachedData`). Node 20 has no compile cache of its
 * own (module.enableCompileCache is Node 22), so this is the technique v8-compile-cache uses,
 * with one difference: the cache is written at build time, next to the bundle
 * (scripts/train-code-cache.mjs), never at run time. The install folder may be read-only, and
 * code is only ever read from where the code itself lives.
 *
 * Safety: V8 checks a cache against its own version, its flags and the source's *length*, and
 * compiles from source when they differ. Length is not content, so a cache file is named after
 * its bundle's build id (a hash of the bundle's text, on its last line): a rebuilt bundle never
 * meets an older cache. Any other problem with a cache just means compiling from source.
 */
import fs from 'node:fs';
import Module, { createRequire } from 'node:module';
import path from 'node:path';
import vm from 'node:vm';

/** The build ends every bundle with this comment followed by its id (hex). */
export const BUILD_ID_MARK = '//# exai-build-id=';

export interface LoadedBundle {
  /** File name within the loader's folder, e.g. `main.cjs`. */
  name: string;
  /** Where this bundle's code cache lives; undefined when the bundle carries no build id. */
  cacheFile: string | undefined;
  script: vm.Script;
  /** Did V8 take the cache (false when there was none, or it was rejected)? */
  cacheAccepted: boolean;
}

export interface BundleLoader {
  /** The exports of a bundle in the loader's folder (`main.cjs`), evaluated once. */
  require(name: string): unknown;
  /** Every bundle evaluated so far, in load order. */
  loaded(): LoadedBundle[];
}

/**
 * A loader for the bundles in `dir`. A bundle's `require('./other.cjs')` of a sibling bundle
 * comes back here (so the sibling gets its cache too); every other id goes to Node.
 */
export function createBundleLoader(dir: string): BundleLoader {
  const bundles = new Map<string, { bundle: LoadedBundle; exports: unknown }>();
  const load = (name: string): unknown => {
    let entry = bundles.get(name);
    if (!entry) {
      entry = evaluateBundle(dir, name, load);
      bundles.set(name, entry);
    }
    return entry.exports;
  };
  return { require: load, loaded: () => [...bundles.values()].map((e) => e.bundle) };
}

/** The build id on a bundle's last line, or undefined. */
export function buildIdOf(source: string): string | undefined {
  const at = source.lastIndexOf(BUILD_ID_MARK);
  if (at === -1) return undefined;
  const id = source.slice(at + BUILD_ID_MARK.length).trim();
  return /^[0-9a-f]{16,64}$/.test(id) ? id : undefined;
}

/** The code-cache file for a bundle with this build id. */
export function cacheFileFor(bundleFile: string, buildId: string): string {
  return `${bundleFile}.${buildId}.v8cache`;
}

/** Write the code cache of every loaded bundle that has a build id (the trainer's last step). */
export function writeCodeCaches(loader: BundleLoader): string[] {
  const written: string[] = [];
  for (const bundle of loader.loaded()) {
    if (!bundle.cacheFile) continue;
    fs.writeFileSync(bundle.cacheFile, bundle.script.createCachedData());
    written.push(bundle.cacheFile);
  }
  return written;
}

function evaluateBundle(dir: string, name: string, loadSibling: (name: string) => unknown) {
  const file = path.join(dir, name);
  // The build checks that every bundle is ASCII, so latin1 is exact and skips UTF-8 decoding.
  const source = fs.readFileSync(file, 'latin1');
  const buildId = buildIdOf(source);
  const cacheFile = buildId === undefined ? undefined : cacheFileFor(file, buildId);
  const cachedData = cacheFile === undefined ? undefined : readIfPresent(cacheFile);
  // No importModuleDynamically: the build turns import() into require (Node's hook for it in
  // a vm.Script is experimental and prints a warning).
  const script = new vm.Script(Module.wrap(source), { filename: file, cachedData });
  const module = { exports: {} as unknown };
  const wrapper = script.runInThisContext() as (...args: unknown[]) => void;
  wrapper.call(module.exports, module.exports, requireFor(file, loadSibling), module, file, dir);
  const cacheAccepted = cachedData !== undefined && !script.cachedDataRejected;
  return { bundle: { name, cacheFile, script, cacheAccepted }, exports: module.exports };
}

function requireFor(file: string, loadSibling: (name: string) => unknown): NodeJS.Require {
  const nodeRequire = createRequire(file);
  const bundleRequire = ((id: string) => {
    const sibling = /^\.\/([\w.-]+\.cjs)$/.exec(id)?.[1];
    return sibling === undefined ? (nodeRequire(id) as unknown) : loadSibling(sibling);
  }) as NodeJS.Require;
  bundleRequire.resolve = nodeRequire.resolve;
  bundleRequire.cache = nodeRequire.cache;
  bundleRequire.main = nodeRequire.main;
  bundleRequire.extensions = nodeRequire.extensions;
  return bundleRequire;
}

function readIfPresent(file: string): Buffer | undefined {
  try {
    return fs.readFileSync(file);
  } catch {
    return undefined;
  }
}
