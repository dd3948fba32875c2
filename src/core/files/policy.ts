/** The path policy every command reads files under, from the effective config. */
import type { Config } from '../config/types.js';
import type { PathPolicy } from './types.js';

/** Allowed roots, external-path and hard-link settings from `config`; relative inputs resolve against `cwd`. */
export function pathPolicyFor(config: Pick<Config, 'allowedPaths' | 'allowExternalPaths' | 'allowHardlinks'>, cwd: string): PathPolicy {
  return { roots: config.allowedPaths, allowExternal: config.allowExternalPaths, allowHardlinks: config.allowHardlinks, cwd };
}
