/**
 * Choosing where a file goes: preference first, then kimi, glm; `local` only when asked for or
 * when no remote key is set. Each provider that cannot take the file is skipped with a reason
 * a user can act on, and those reasons become the error when nothing is left.
 */
import type { ProviderName } from '../core/config/types.js';
import { ExaiError } from '../core/errors.js';
import type { BreakerStore } from '../core/resilience.js';
import { formatDuration } from '../core/units.js';
import { describeTooLarge, purposeLimitOf, resolvePurpose } from './purposes.js';
import type { ProviderRegistry } from './registry.js';
import type { Provider } from './types.js';

/** The environment variable that holds each remote provider's key (for messages only). */
export const KEY_ENV: Readonly<Record<ProviderName, string>> = { kimi: 'MOONSHOT_API_KEY', glm: 'ZAI_API_KEY', local: '' };

export interface SelectInput {
  registry: ProviderRegistry;
  /** --provider or the configured preference. */
  preferred?: ProviderName | undefined;
  /** Only the preferred provider, no fallback (for an explicit --provider). */
  strict?: boolean | undefined;
  /** undefined → each provider's default purpose. */
  purpose: string | undefined;
  sizeBytes: number;
  breaker?: Pick<BreakerStore, 'allow' | 'state'> | undefined;
  now?: () => number;
}

export interface SkippedProvider {
  provider: ProviderName;
  reason: string;
}

export interface Selection {
  /** In order of preference; try the first, fall back to the next. */
  candidates: Provider[];
  skipped: SkippedProvider[];
}

/** Rank the providers that can take this file; throw NO_PROVIDER_AVAILABLE (exit 6) naming every reason when none can. */
export function selectProviders(input: SelectInput): Selection {
  const candidates: Provider[] = [];
  const skipped: SkippedProvider[] = [];
  for (const name of orderProviders(input)) {
    const provider = input.registry.get(name);
    const reason = whySkip(provider, input);
    if (reason === undefined) candidates.push(provider);
    else skipped.push({ provider: name, reason });
  }
  if (candidates.length === 0) {
    const reasons = skipped.map((s) => `${s.provider}: ${s.reason}`).join('; ');
    throw new ExaiError('NO_PROVIDER_AVAILABLE', `no provider can take this file (${reasons})`, {
      hint: 'set a provider API key, pick another --provider or --purpose, or wait for the cool-down',
      details: { skipped },
    });
  }
  return { candidates, skipped };
}

function orderProviders(input: SelectInput): ProviderName[] {
  const { preferred, registry } = input;
  if (preferred !== undefined && input.strict === true) return [preferred];
  const names: ProviderName[] = preferred === undefined ? [] : [preferred];
  for (const name of ['kimi', 'glm'] as const) if (!names.includes(name)) names.push(name);
  const anyRemoteKey = registry.get('kimi').isConfigured() || registry.get('glm').isConfigured();
  // local is a fallback for machines without keys, never a silent stand-in for a failing remote.
  if (!anyRemoteKey && !names.includes('local')) names.push('local');
  return names;
}

function whySkip(provider: Provider, input: SelectInput): string | undefined {
  if (!provider.isConfigured()) return `no API key: set ${KEY_ENV[provider.name]}`;
  const purpose = resolvePurpose(provider, input.purpose);
  const limit = purposeLimitOf(provider, purpose);
  if (limit === undefined) {
    return `does not accept purpose "${purpose}" (valid: ${Object.keys(provider.purposes).join(', ')})`;
  }
  if (input.sizeBytes > limit.maxBytes) return describeTooLarge(provider, purpose, input.sizeBytes, limit);
  if (input.breaker !== undefined && !input.breaker.allow(provider.name)) return describeOpenBreaker(provider, input);
  return undefined;
}

function describeOpenBreaker(provider: Provider, input: SelectInput): string {
  const state = input.breaker?.state(provider.name);
  const failures = state?.failures ?? 0;
  const retryAt = state?.retryAt;
  if (retryAt === undefined) return `circuit open after ${failures} failures`;
  const wait = Math.max(0, retryAt - (input.now ?? Date.now)());
  return `circuit open after ${failures} failures, retry after ${new Date(retryAt).toISOString()} (in ${formatDuration(wait)})`;
}
