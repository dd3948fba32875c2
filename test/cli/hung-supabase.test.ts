/**
 * The Supabase client against a project that never answers — a connect that hangs (full
 * accept queue) or a server that takes the request and sends nothing — ends every request at
 * http.requestDeadline with a hint: catalog reads through the CLI, the archive's standard
 * upload and its TUS upload. supabase-js's fetch had no total deadline: a hung connect waited
 * out undici's connect timeout, a silent server five minutes per request.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTokenClient } from '../../src/auth/client.js';
import type { UserAuth } from '../../src/auth/session.js';
import { createSupabaseArchive } from '../../src/catalog/supabase-archive.js';
import { isExaiError, type ExaiError } from '../../src/core/errors.js';
import { startHungConnect, type HungConnect } from '../servers/hung-connect.js';
import { startTrickleServer, type TrickleServer } from '../servers/trickle-server.js';
import { makeMachine } from './supabase-run.js';

// Unsigned tokens: the client reads their claims, only the (absent) server would verify them.
const b64 = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
const token = (claims: object) => `${b64({ alg: 'HS256', typ: 'JWT' })}.${b64(claims)}.c2lnbmF0dXJl`;
const ANON = token({ role: 'anon', iss: 'supabase' });
const USER_TOKEN = token({ role: 'authenticated', sub: '00000000-0000-4000-8000-000000000001', exp: Math.floor(Date.now() / 1000) + 3600 });
const DEADLINE = { requestDeadlineMs: 200, minRateBytesPerSec: 1e12 };

let hung: HungConnect;
let silent: TrickleServer;
beforeAll(async () => {
  hung = await startHungConnect();
  silent = await startTrickleServer('no-headers');
});
afterAll(async () => {
  await hung.close();
  await silent.close();
});

const KINDS = ['whose connect hangs', 'that takes the request and never answers'] as const;

describe.each(KINDS)('a Supabase project %s', (kind) => {
  const url = () => (kind === KINDS[0] ? `http://127.0.0.1:${hung.port}` : silent.url.replace(/\/v1$/, ''));

  it('ls and quota end at the deadline with the deadline hint, printing no token', async () => {
    const machine = await makeMachine({ url: url(), anonKey: ANON });
    try {
      for (const argv of [['ls', '--json'], ['quota', '--json']]) {
        const r = await machine.run(argv, { env: { EXAI_ACCESS_TOKEN: USER_TOKEN, EXAI_REQUEST_DEADLINE: '200ms' } });
        expect(r.code).not.toBe(0);
        const out = r.stdout + r.stderr;
        expect(out).toContain('(http.requestDeadline)');
        expect(out).toContain('raise http.requestDeadline');
        expect(out).not.toContain(USER_TOKEN);
      }
    } finally {
      await machine.close();
    }
  });

  it.each([
    ['a standard upload', 4],
    ['a TUS upload', 7 * 1024 * 1024],
  ])('the archive copy ends at the deadline (%s)', async (_kind, size) => {
    const project = { url: url(), anonKey: ANON, deadline: DEADLINE };
    const auth: UserAuth = { client: createTokenClient(project, USER_TOKEN), userId: 'u1', email: undefined, source: 'env', accessToken: () => Promise.resolve(USER_TOKEN) };
    const bytes = Buffer.alloc(size, 'e');
    const body = { size, filename: 'x.txt', mimeType: 'text/plain', open: () => Promise.resolve(Object.assign((async function* () { yield bytes; })(), { close: () => Promise.resolve() })) };
    const error = await createSupabaseArchive(auth, project).put({ sha256: 'd'.repeat(64), body }).catch((e: unknown) => e);
    expect(isExaiError(error)).toBe(true);
    expect((error as ExaiError).name).toBe('CATALOG_ERROR');
    expect((error as ExaiError).message).toContain('(http.requestDeadline)');
    expect((error as ExaiError).hint).toContain('raise http.requestDeadline');
  });
});
