/**
 * supabase-js clients for a CLI: the bearer token comes from exai (auth-js never holds or
 * refreshes the session: see auth-request.ts), and no Realtime socket (exai never subscribes,
 * and Node 20 has no WebSocket for it to construct).
 */
import { createClient } from '@supabase/supabase-js';
import type { Dispatcher } from 'undici';
import { withDeadline, type RequestDeadline } from './deadline-fetch.js';

/** Where the project is and which publishable key identifies the app. */
export interface ProjectSettings {
  url: string;
  /** The anon/publishable key (never a secret key: checked by the caller). */
  anonKey: string;
  /** For tests that count requests; the global fetch otherwise. */
  fetch?: typeof fetch | undefined;
  /** Every request's total deadline (http.requestDeadline, http.minRate); none when absent. */
  deadline?: RequestDeadline | undefined;
  /** The run's own HTTP dispatcher (ended with the run); the global one when absent. */
  dispatcher?: (() => Promise<Dispatcher>) | undefined;
}

/** The client type every exai module uses (no generated database types). */
export type SupabaseClient = ReturnType<typeof createClient>;

/** The storage key of the session inside the session file. */
export const SESSION_STORAGE_KEY = 'exai-auth-session';

/** Realtime is never used; a transport that refuses keeps supabase-js from looking for WebSocket. */
class NoRealtime {
  constructor() {
    throw new Error('exai does not use Supabase Realtime');
  }
}

/** The fetch every request of the client goes through: the caller's or the global one, with the deadline. */
function globalOf(project: ProjectSettings): { fetch?: typeof fetch } {
  if (project.deadline === undefined && project.dispatcher === undefined) return project.fetch ? { fetch: project.fetch } : {};
  // Looked up per call, not captured: tests swap the global fetch.
  const base = project.fetch ?? ((input, init) => fetch(input, init));
  return { fetch: withDeadline(base, project.deadline, project.dispatcher) };
}

/** A client whose requests carry a fixed bearer token (EXAI_ACCESS_TOKEN, or a service key for operators). */
export function createTokenClient(project: ProjectSettings, token: string): SupabaseClient {
  return createCallbackClient(project, () => Promise.resolve(token));
}

/**
 * A client whose requests carry the token `accessToken()` gives at that moment: the login
 * session, which exai refreshes itself (auth-js's own refresh would outlive exai's deadline).
 */
export function createCallbackClient(project: ProjectSettings, accessToken: () => Promise<string>): SupabaseClient {
  return createClient(project.url, project.anonKey, {
    accessToken,
    realtime: { transport: NoRealtime as never },
    global: globalOf(project),
  });
}
