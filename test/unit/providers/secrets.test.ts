/** The API key must never reach anything that can be printed, whatever goes wrong. */
import { inspect } from 'node:util';
import { Agent } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GlmProvider } from '../../../src/providers/glm.js';
import { KimiProvider } from '../../../src/providers/kimi.js';
import { startFakeProvider, type FakeFault, type FakeKind } from '../../servers/fake-provider.js';
import { makeTempDir, makeTestFile, patternBytes } from '../../servers/upload-fixtures.js';

// Deliberately not token-shaped, so only the exact-value redaction can catch it.
const KEY = 'plain-secret-value-Q7x9Zr2';
let dispatcher: Agent;
let temp: Awaited<ReturnType<typeof makeTempDir>>;

beforeAll(async () => {
  dispatcher = new Agent();
  temp = await makeTempDir();
});
afterAll(async () => {
  await dispatcher.close();
  await temp.cleanup();
});

const echo = (status: number): FakeFault => ({
  kind: 'reply',
  status,
  body: { error: { type: 'invalid_authentication_error', code: '1000', message: `bad header "Authorization: Bearer ${KEY}" (key ${KEY})` } },
});

const scenarios: Array<[string, FakeFault]> = [
  ['401 echoing the key', echo(401)],
  ['400 echoing the key', echo(400)],
  ['500 echoing the key', echo(500)],
  ['429 rate limit', { kind: 'rate-limit', retryAfter: '2' }],
  ['quota', { kind: 'quota' }],
  ['connection reset', { kind: 'reset', afterBytes: 1 }],
  // (A malformed answer to a stored upload is resolved from the listing: kimi.test.ts.)
  ['2xx that is not a file object', { kind: 'reply', status: 200, body: 'garbled' }],
  ['redirect', { kind: 'reply', status: 302, headers: { location: 'http://127.0.0.1:1/' } }],
];

function printable(error: unknown): string[] {
  const e = error as Error & { cause?: unknown };
  return [e.message, String(e.stack), JSON.stringify(error), String(e.cause), inspect(error, { depth: null })];
}

describe.each<FakeKind>(['kimi', 'glm'])('%s errors never carry the API key', (kind) => {
  it.each(scenarios)('%s', async (name, fault) => {
    const server = await startFakeProvider({ kind, apiKey: KEY, faults: [fault] });
    try {
      const options = { apiKey: KEY, baseUrl: server.url, dispatcher };
      const provider = kind === 'kimi' ? new KimiProvider(options) : new GlmProvider(options);
      const file = await makeTestFile(temp.dir, 's.pdf', patternBytes(4096));
      const error = await provider.upload(file.request('file-extract')).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(Error);
      for (const text of printable(error)) expect(text).not.toContain(KEY);
      // The provider's own words are still shown, with the key masked.
      if (name.includes('echoing')) expect((error as Error).message).toContain('bad header "Authorization: Bearer <redacted>" (key <redacted>)');
    } finally {
      await server.close();
    }
  });

  it('a refused connection', async () => {
    const provider = new KimiProvider({ apiKey: KEY, baseUrl: 'http://127.0.0.1:1/v1', dispatcher });
    const error = await provider.list().catch((e: unknown) => e);
    expect(error).toMatchObject({ name: 'PROVIDER_UNAVAILABLE' });
    for (const text of printable(error)) expect(text).not.toContain(KEY);
  });
});
