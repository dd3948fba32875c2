/**
 * One session's client roots: asked for (roots/list) when the client declares the roots
 * capability, asked again after notifications/roots/list_changed, and applied to each call's
 * Runtime as a narrower set of allowed roots.
 */
import { ExaiError } from '../core/errors.js';
import type { Runtime } from '../core/runtime.js';
import { clientRootPaths, narrowRoots } from './client-roots.js';

/** The client's roots as last heard. */
export interface SessionRoots {
  /** The client's root paths; undefined means no narrowing (no capability, an empty list, no answer yet). */
  current(): Promise<string[] | undefined>;
  /** Ask the client again; `onChange` runs when the answer differs from the last one. */
  refresh(): Promise<void>;
}

/** How to reach the client. */
export interface RootsSource {
  /** Whether the client declared the roots capability. */
  supported: () => boolean;
  /** The client's roots/list answer (its `roots` array). */
  list: () => Promise<unknown>;
  log: (line: string) => void;
  onChange: () => void;
}

/** Roots for a session; nothing is asked until the first refresh or call. */
export function createSessionRoots(source: RootsSource): SessionRoots {
  let known: string[] | undefined;
  let latest: Promise<void> | undefined;
  let asked = false;
  let generation = 0;
  const load = async (mine: number) => {
    let next: string[] | undefined;
    try {
      const listed = await source.list();
      if (!Array.isArray(listed)) throw new Error('the answer has no roots array');
      // A client that lists roots wants them applied even when none is usable (then nothing is).
      next = listed.length > 0 ? await clientRootPaths(listed, source.log) : undefined;
    } catch (error) {
      // No answer keeps what was last heard: the configured roots stay the outer bound either way.
      source.log(`roots/list failed, keeping the roots last heard: ${error instanceof Error ? error.message : String(error)}`);
      return;
    }
    if (mine !== generation) return; // a newer list_changed already asked again
    const changed = JSON.stringify(next) !== JSON.stringify(known);
    known = next;
    if (changed) source.onChange();
  };
  const refresh = () => {
    if (!source.supported()) return Promise.resolve();
    asked = true;
    latest = load(++generation);
    return latest;
  };
  return {
    async current() {
      if (!asked) void refresh();
      await latest;
      return known;
    },
    refresh,
  };
}

/** The roots a call may use: the configured ones, or their intersection with the client's. */
export async function effectiveRoots(rt: Runtime, client: readonly string[] | undefined): Promise<string[]> {
  if (client === undefined) return rt.config.allowedPaths;
  return narrowRoots(rt.config.allowedPaths, rt.config.allowExternalPaths, client);
}

/**
 * The Runtime a call works with: `rt` itself without client roots, else narrowed to the
 * intersection. With nothing shared a call that takes paths is refused (an empty root list
 * would mean "the working directory" to the path checks, a widening).
 */
export async function scopedRuntime(rt: Runtime, client: readonly string[] | undefined, usesPaths: boolean): Promise<Runtime> {
  if (client === undefined) return rt;
  const roots = await narrowRoots(rt.config.allowedPaths, rt.config.allowExternalPaths, client);
  if (roots.length > 0) return narrowedRuntime(rt, roots);
  if (usesPaths) throw noSharedRoots(rt.config.allowedPaths, client);
  return rt;
}

function narrowedRuntime(rt: Runtime, roots: string[]): Runtime {
  // Operations read the config from rt.config and from rt.loaded (when they apply per-call overrides).
  const config = { ...rt.config, allowedPaths: roots, allowExternalPaths: false };
  return { ...rt, config, loaded: { ...rt.loaded, config } };
}

function noSharedRoots(configured: readonly string[], client: readonly string[]): ExaiError {
  const theirs = client.length > 0 ? client.join(', ') : '(none usable)';
  return new ExaiError('PATH_OUTSIDE_ROOTS', `the client's roots (${theirs}) share no directory with exai's allowed roots (${configured.join(', ')}): no local path can be used in this session`, {
    hint: 'add a root inside the allowed roots in the MCP client, or widen allowedPaths in exai config',
  });
}
