/** Each provider reachable and its key accepted (one cheap list call, short timeout); breaker states. */
import type { ProviderRegistry } from '../../providers/registry.js';
import type { Provider } from '../../providers/types.js';
import { isExaiError } from '../errors.js';
import type { BreakerStore } from '../resilience.js';
import { boundText, NETWORK_CHECK_BOUND_MS, withinBound } from './bounded.js';
import type { DoctorCheck } from './types.js';

/** How long one provider may take to answer doctor's list call. */
export const PROVIDER_CHECK_TIMEOUT_MS = NETWORK_CHECK_BOUND_MS;

const HINT = 'check the network and the base URL';

/** One authenticated list per configured provider, all at once. */
export async function checkProviders(registry: ProviderRegistry, timeoutMs = PROVIDER_CHECK_TIMEOUT_MS): Promise<DoctorCheck[]> {
  // Bounded as a whole too: a provider that ignored the signal (or retried) still answers in time.
  const checks = registry.all().map((p) => withinBound(`provider ${p.name}`, timeoutMs, HINT, async (signal) => [await checkProvider(p, timeoutMs, signal)]));
  return (await Promise.all(checks)).flat();
}


async function checkProvider(provider: Provider, timeoutMs: number, signal: AbortSignal): Promise<DoctorCheck> {
  const name = `provider ${provider.name}`;
  if (!provider.isConfigured()) {
    const { KEY_ENV } = await import('../../providers/registry.js');
    return { name, status: 'ok', message: 'not configured (no API key): skipped', hint: `set ${KEY_ENV[provider.name]} to use it` };
  }
  try {
    const files = await provider.list({ limit: 1, signal });
    return { name, status: 'ok', message: `reachable, key accepted (listed ${files.length === 0 ? 'no' : 'its'} files)` };
  } catch (error) {
    return providerFailure(name, error, timeoutMs, signal);
  }
}

function providerFailure(name: string, error: unknown, timeoutMs: number, signal: AbortSignal): DoctorCheck {
  if (!isExaiError(error)) {
    const timedOut = signal.aborted || (error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError'));
    const message = timedOut ? `timed out after ${boundText(timeoutMs)}` : `unreachable: ${error instanceof Error ? error.message : String(error)}`;
    return { name, status: 'fail', message, hint: HINT };
  }
  if (error.name === 'PROVIDER_AUTH_FAILED' || error.name === 'AUTH_REFUSED') {
    return { name, status: 'fail', message: 'key rejected by the provider', hint: error.hint ?? 'check the API key' };
  }
  if (signal.aborted || error.name === 'INTERRUPTED' || /TimeoutError|aborted/i.test(error.message)) {
    return { name, status: 'fail', message: `timed out after ${boundText(timeoutMs)}`, hint: HINT };
  }
  // Its own request deadline ended the call before doctor's bound did: a time-out all the same.
  if (error.name === 'PROVIDER_TIMEOUT') return { name, status: 'fail', message: `timed out (${error.message})`, hint: HINT };
  return { name, status: 'fail', message: `unreachable or failing: ${error.message}`, hint: error.hint ?? HINT };
}

/** An open breaker warns: uploads skip that provider until its cool-down ends. */
export function checkBreakers(store: Pick<BreakerStore, 'state'>, providers: readonly string[]): DoctorCheck[] {
  return providers.map((provider) => {
    const state = store.state(provider);
    const name = `breaker ${provider}`;
    if (state.state === 'closed') return { name, status: 'ok', message: `closed (${state.failures} recent failures)` };
    const until = state.retryAt === undefined ? '' : `, probe allowed from ${new Date(state.retryAt).toISOString()}`;
    return { name, status: 'warn', message: `${state.state} after ${state.failures} failures${until}`, hint: 'uploads skip this provider until a probe succeeds' };
  });
}
