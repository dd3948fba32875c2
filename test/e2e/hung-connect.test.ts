/**
 * The real process against a provider whose connect hangs: `exai upload` ends at its request
 * deadline and exits. undici's connect timeout is set ten minutes out, so a process that
 * waited for the abandoned connect on its way out (the dispatcher closed instead of
 * destroyed) would run into this test's timeout instead of exiting.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHungConnect, type HungConnect } from '../servers/hung-connect.js';
import { catalogRows, createWorkspace } from '../helpers/workspace.js';

const KEY = 'sk-e2e-hung-0123456789abcdef';
let hung: HungConnect;
beforeAll(async () => {
  hung = await startHungConnect();
});
afterAll(async () => {
  await hung.close();
});

describe('exai upload to a provider whose connect hangs', () => {
  it('fails PROVIDER_TIMEOUT with a hint, exits, and leaves a failed row', async () => {
    const ws = await createWorkspace();
    await ws.file('notes.txt', 'notes\n'.repeat(20));
    await ws.config({ retry: { maxAttempts: 1 }, http: { connectTimeoutMs: 600_000 } });
    const run = ws.spawn(['upload', 'notes.txt', '--provider', 'kimi'], { env: { MOONSHOT_API_KEY: KEY, EXAI_KIMI_BASE_URL: hung.url, EXAI_REQUEST_DEADLINE: '300ms' } });
    const result = await run.done;
    expect(result.code).not.toBe(0);
    expect(result.stdout + result.stderr).toMatch(/PROVIDER_TIMEOUT: kimi: the request did not finish within 3\d\d ms/);
    expect(result.stdout + result.stderr).toContain('raise http.requestDeadline');
    expect((await catalogRows(ws)).map((r) => r.status)).toEqual(['failed']);
  }, 20_000);
});
