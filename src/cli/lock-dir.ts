/**
 * Where this run keeps its lockfiles. One helper so `exai unlock` and the upload pipeline
 * can never disagree on the directory.
 */
import type { Config } from '../core/config/types.js';

/**
 * The `dir` to pass to acquireLock / listLocks / removeStaleLocks: the state dir. The lock
 * module adds `locks/` itself, so the files end up in `<state>/locks/<sha256>.lock`.
 */
export function lockDirOf(config: Pick<Config, 'dirs'>): string {
  return config.dirs.state;
}
