/** The providers of one run, created on first use from the config (never from process.env). */
import type { Dispatcher } from 'undici';
import type { Config, ProviderName } from '../core/config/types.js';
import { GlmProvider } from './glm.js';
import { KimiProvider } from './kimi.js';
import { LocalProvider } from './local.js';
import type { Provider } from './types.js';

export { purposeLimitOf, resolvePurpose, validatePurpose } from './purposes.js';
export { KEY_ENV, selectProviders, type SelectInput, type Selection, type SkippedProvider } from './select.js';

/** Every provider name, in the default order of preference. */
export const PROVIDER_NAMES: readonly ProviderName[] = ['kimi', 'glm', 'local'];

export interface ProviderRegistry {
  get(name: ProviderName): Provider;
  /** kimi, glm, local. */
  all(): Provider[];
  /** Those with credentials, in order (local is always configured). */
  configured(): Provider[];
}

/** Build a registry that creates each provider when first asked for. */
export function createProviderRegistry(input: { config: Config; dispatcher: () => Dispatcher | Promise<Dispatcher> }): ProviderRegistry {
  const { config } = input;
  const made = new Map<ProviderName, Provider>();
  const create = (name: ProviderName): Provider => {
    switch (name) {
      case 'kimi':
        return new KimiProvider({ ...config.kimi, dispatcher: input.dispatcher, deadline: config.http });
      case 'glm':
        return new GlmProvider({ ...config.glm, dispatcher: input.dispatcher, deadline: config.http });
      case 'local':
        return new LocalProvider({ dataDir: config.dirs.data, maxBytes: config.maxFileSize });
    }
  };
  const get = (name: ProviderName): Provider => {
    let provider = made.get(name);
    if (provider === undefined) {
      provider = create(name);
      made.set(name, provider);
    }
    return provider;
  };
  return {
    get,
    all: () => PROVIDER_NAMES.map(get),
    configured: () => PROVIDER_NAMES.map(get).filter((p) => p.isConfigured()),
  };
}
