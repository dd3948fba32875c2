/**
 * A provider on loopback that echoes the API key in its error bodies: no piece of the key
 * reaches stdout, stderr, the --json document or the catalog's error column, whatever the
 * format and wherever the key sits around the 300-character clip.
 */
import { rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startEchoKeyProvider, type EchoKeyProvider, type EchoReply } from '../servers/echo-key-provider.js';
import { makeSandbox, readRows, runCli, type Sandbox } from './catalog-cli.js';

// 49 characters, as in the report; the second is not token-shaped at all.
const KEYS = ['sk-Xq7PzR2mLk9vBn4TcWd8YfGh3JsAe6UoNi5Kp1MbVr0Zt', 'moonshotKeyWithoutAnyKnownShape4Q8r2T6y9U3i7O1p5'];

const FORMATS: Record<string, (text: string) => { contentType: string; body: string }> = {
  json: (t) => ({ contentType: 'application/json', body: JSON.stringify({ error: { type: 'invalid_authentication_error', message: t } }) }),
  'json, key in code': (t) => ({ contentType: 'application/json', body: JSON.stringify({ error: { code: t, message: 'denied' } }) }),
  'plain text': (t) => ({ contentType: 'text/plain', body: t }),
  html: (t) => ({ contentType: 'text/html', body: `<!doctype html><html><body><h1>401 Unauthorized</h1><pre>${t}</pre></body></html>` }),
  nested: (t) => ({ contentType: 'application/json', body: JSON.stringify({ error: JSON.stringify({ detail: { msg: t, input: { headers: { authorization: `Bearer ${t}` } } } }) }) }),
};

const servers: EchoKeyProvider[] = [];
const sandboxes: Sandbox[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
  await Promise.all(sandboxes.splice(0).map((sb) => rm(sb.root, { recursive: true, force: true })));
});

function pieces(text: string, key: string): string[] {
  const found: string[] = [];
  for (let i = 0; i + 6 <= key.length; i++) if (text.includes(key.slice(i, i + 6))) found.push(key.slice(i, i + 6));
  return found;
}

async function uploadAgainst(key: string, status: number, reply: EchoReply): Promise<{ out: string; errors: string }> {
  const server = await startEchoKeyProvider(reply);
  servers.push(server);
  const sb = await makeSandbox({ MOONSHOT_API_KEY: key, EXAI_KIMI_BASE_URL: server.url });
  sandboxes.push(sb);
  await writeFile(path.join(sb.env.EXAI_CONFIG_DIR!, 'config.json'), JSON.stringify({ retry: { maxAttempts: 1 } }), { mode: 0o600 });
  await writeFile(path.join(sb.cwd, 'a.txt'), 'hello\n');
  const human = await runCli(sb, ['upload', 'a.txt']);
  const json = await runCli(sb, ['upload', 'a.txt', '--json']);
  expect(human.code, `${status}: ${human.stderr}`).not.toBe(0);
  const rows = await readRows(sb);
  expect(rows.length).toBeGreaterThan(0);
  return { out: [human.stdout, human.stderr, json.stdout, json.stderr].join('\n'), errors: rows.map((r) => r.error ?? '').join('\n') };
}

describe('a provider that echoes the key in its error body', () => {
  for (const [format, render] of Object.entries(FORMATS)) {
    it(`${format}: no piece of the key in any output or in the catalog`, async () => {
      // The key straddles the cut (255, 280) or ends just before it (299); every status class.
      for (const [key, status, offset] of [[KEYS[0]!, 400, 255], [KEYS[1]!, 401, 280], [KEYS[0]!, 500, 299]] as const) {
        const reply: EchoReply = (sent) => ({ status, ...render(`${'n '.repeat(offset).slice(0, offset)}${sent} (was the key)`) });
        const { out, errors } = await uploadAgainst(key, status, reply);
        expect(pieces(out, key), `${format} ${status} @${offset}: ${out}`).toEqual([]);
        expect(pieces(errors, key), `${format} ${status} @${offset} catalog: ${errors}`).toEqual([]);
      }
    });
  }
});
