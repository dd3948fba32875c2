/** The shared backend's settings from the loaded config (the CLI's loader read the environment). */
import type { Dispatcher } from 'undici';
import type { Config } from '../core/config/types.js';
import { ExaiError } from '../core/errors.js';
import type { AuthSettings } from './session.js';

/** True when SUPABASE_URL is set: the shared backend replaces the embedded catalog. */
export function usesSharedBackend(config: Pick<Config, 'supabaseUrl'>): boolean {
  return config.supabaseUrl !== undefined && config.supabaseUrl !== '';
}

/**
 * URL, publishable key, CI token, session location, request deadline and retry policy; CONFIG_INVALID when
 * the URL or key is missing. `dispatcher` is the run's own (its hung connects end with the run);
 * `signal` is the run's interrupt, which ends an Auth call at once.
 */
export function authSettingsFrom(config: Config, fetchImpl?: typeof fetch, dispatcher?: () => Promise<Dispatcher>, signal?: AbortSignal): AuthSettings {
  if (!usesSharedBackend(config)) {
    throw new ExaiError('CONFIG_INVALID', 'SUPABASE_URL is not set: there is no shared backend to log in to', {
      hint: 'set SUPABASE_URL and SUPABASE_ANON_KEY (see "Shared backend" in the README); without them exai keeps its catalog on this machine',
    });
  }
  if (config.supabaseAnonKey === undefined || config.supabaseAnonKey === '') {
    throw new ExaiError('CONFIG_INVALID', 'SUPABASE_URL is set but SUPABASE_ANON_KEY (or SUPABASE_PUBLISHABLE_KEY) is not', {
      hint: "set it to the project's publishable (anon) key from the Supabase dashboard",
    });
  }
  return {
    url: config.supabaseUrl!.replace(/\/+$/, ''),
    anonKey: config.supabaseAnonKey,
    accessToken: config.accessToken,
    stateDir: config.dirs.state,
    fetch: fetchImpl,
    deadline: config.http,
    retry: config.retry,
    dispatcher,
    signal,
  };
}
