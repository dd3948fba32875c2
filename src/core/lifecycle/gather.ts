/** What gc plans over: catalog rows first, then provider listings (that order is what makes orphans safe). */
import type { Catalog, RowSummary } from '../../catalog/types.js';
import type { ProviderRegistry } from '../../providers/registry.js';
import type { ProviderName } from '../config/types.js';
import { ExaiError, isExaiError } from '../errors.js';
import { referencedFileIds } from './plan.js';
import type { GcInputs, GcPolicy, ProviderListing } from './types.js';

/** Where gc reads from. */
export interface GatherDeps {
  catalog: Catalog;
  registry: ProviderRegistry;
  /** One user's rows; undefined for every user's (service role). */
  userId: string | undefined;
  /**
   * True when the catalog holds other users' rows this session cannot read (Supabase with a
   * user session): then no provider file can be called an orphan.
   */
  partialView: boolean;
  signal?: AbortSignal | undefined;
}

/**
 * Rows are read before the listings: a row that is active when read had its provider file
 * stored earlier, so a listing taken afterwards must show it unless it is really gone. A file
 * stored after the rows were read looks unreferenced, which is what the 1 h orphan age is for.
 */
export async function gatherGcInputs(deps: GatherDeps, policy: GcPolicy, now: number): Promise<GcInputs> {
  const filter = { provider: policy.provider };
  const everyone = deps.partialView ? undefined : await deps.catalog.listAll(filter);
  const rows = selectRows(everyone, deps.userId) ?? (await deps.catalog.list({ ...filter, userId: deps.userId }));
  const referencedIds = everyone === undefined ? undefined : referencedFileIds(everyone);
  const listings = await listProviders(deps, providersToList(deps.registry, policy.provider, rows));
  return { rows, referencedIds, listings, now, policy };
}

function selectRows(everyone: RowSummary[] | undefined, userId: string | undefined): RowSummary[] | undefined {
  if (everyone === undefined || userId === undefined) return everyone;
  return everyone.filter((r) => r.userId === userId);
}

/** The configured providers, or the one asked for; a provider with rows but no key is an error. */
function providersToList(registry: ProviderRegistry, only: ProviderName | undefined, rows: readonly RowSummary[]): ProviderName[] {
  if (only !== undefined) return [only];
  const names = new Set(registry.configured().map((p) => p.name));
  for (const row of rows) if (row.status === 'active') names.add(row.provider);
  return [...names];
}

async function listProviders(deps: GatherDeps, names: ProviderName[]): Promise<ProviderListing[]> {
  return Promise.all(names.map((name) => listOne(deps, name)));
}

async function listOne(deps: GatherDeps, name: ProviderName): Promise<ProviderListing> {
  const provider = deps.registry.get(name);
  if (!provider.isConfigured()) {
    const { KEY_ENV } = await import('../../providers/registry.js');
    const error = new ExaiError('AUTH_REQUIRED', `cannot list ${name}'s files: no API key`, { hint: `set ${KEY_ENV[name]} so gc can check and delete its files` });
    return { provider: name, error };
  }
  try {
    return { provider: name, files: await provider.list({ signal: deps.signal }) };
  } catch (error) {
    if (!isExaiError(error) || error.name === 'INTERRUPTED') throw error;
    return { provider: name, error };
  }
}
