/**
 * `exai doctor`: every check reports ok / warn / fail with a hint; none throws for a finding.
 * Checks that need a backend exai may not use (Supabase) come in as `extraChecks`, so a
 * catalog can add its own without doctor knowing about it.
 */
import type { LoadedConfig } from '../config/load.js';
import type { ProviderRegistry } from '../../providers/registry.js';
import type { BreakerStore } from '../resilience.js';
import { checkDirs, checkSecretFiles } from './fs-checks.js';
import { checkBreakers, checkProviders } from './provider-checks.js';
import { checkConfig, checkLocks, checkNode, checkSqliteCatalog } from './state-checks.js';
import type { CheckRun, DoctorCheck } from './types.js';

export type { CheckRun, CheckStatus, DoctorCheck } from './types.js';

/** What doctor looks at. */
export interface DoctorDeps {
  loaded: LoadedConfig;
  registry: ProviderRegistry;
  breakers: Pick<BreakerStore, 'state'>;
  now: number;
  nodeVersion: string;
  /** Per-provider list timeout (ms). */
  providerTimeoutMs?: number | undefined;
  /** The catalog check; the SQLite one when undefined. Supabase passes its own (reachable, session valid). */
  catalogCheck?: CheckRun | undefined;
  extraChecks?: readonly CheckRun[] | undefined;
}

/** Run every check; the order is the order people read them in. */
export async function runDoctor(deps: DoctorDeps): Promise<DoctorCheck[]> {
  const { config } = deps.loaded;
  const names = deps.registry.all().map((p) => p.name);
  const groups: CheckRun[] = [
    () => checkConfig(deps.loaded),
    () => checkDirs(config.dirs),
    () => checkSecretFiles(config.dirs),
    () => checkProviders(deps.registry, deps.providerTimeoutMs),
    () => Promise.resolve(checkBreakers(deps.breakers, names)),
    deps.catalogCheck ?? (() => checkSqliteCatalog(config.dirs.data)),
    () => checkLocks(config.dirs.state, deps.now, config.leaseMs),
    () => Promise.resolve(checkNode(deps.nodeVersion)),
    ...(deps.extraChecks ?? []),
  ];
  const results = await Promise.all(groups.map((run) => run().catch((error: unknown) => [crashed(error)])));
  return results.flat();
}

function crashed(error: unknown): DoctorCheck {
  return { name: 'doctor', status: 'fail', message: `a check failed to run: ${error instanceof Error ? error.message : String(error)}`, hint: 'this is a bug in exai; please report it' };
}

/** True when any check failed (exit 1). */
export function anyFailed(checks: readonly DoctorCheck[]): boolean {
  return checks.some((c) => c.status === 'fail');
}
