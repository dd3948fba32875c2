/** `exai upload` judges files against its destination's documented list before sending anything. */
import { readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createWorkspace, type Workspace } from '../helpers/workspace.js';
import { pngBytes } from '../fixtures/files.js';
import { startFakeProvider, type FakeProvider } from '../servers/fake-provider.js';

const KIMI_KEY = 'sk-kimi-test-secret-0123456789abcdef';
const cleanups: (() => Promise<void>)[] = [];

afterEach(async () => {
  await Promise.all(cleanups.splice(0).map((c) => c()));
});

async function setup(): Promise<{ ws: Workspace; server: FakeProvider; env: Record<string, string> }> {
  const server = await startFakeProvider({ kind: 'kimi', apiKey: KIMI_KEY });
  const ws = await createWorkspace();
  cleanups.push(() => server.close(), () => rm(ws.root, { recursive: true, force: true }));
  await ws.file('report.pdf', await readFile(path.resolve('examples/report.pdf')));
  await ws.file('pic.png', pngBytes());
  return { ws, server, env: { MOONSHOT_API_KEY: KIMI_KEY, EXAI_KIMI_BASE_URL: server.url } };
}

type Row = { path: string; status: string; error?: { name: string } };

describe('exai upload follows its destination’s allowlist', () => {
  it('refuses a PDF for kimi image before sending anything, and sends it for file-extract', async () => {
    const { ws, server, env } = await setup();
    const image = await ws.main(['upload', 'report.pdf', 'pic.png', '--provider', 'kimi', '--purpose', 'image', '--json'], { env });
    expect(image.code).toBe(3);
    const rows = JSON.parse(image.stdout) as Row[];
    expect(rows.find((r) => r.path === 'report.pdf')).toMatchObject({ status: 'rejected', error: { name: 'MIME_NOT_ALLOWED' } });
    expect(server.requests).toHaveLength(0);
    const extract = await ws.main(['upload', 'report.pdf', '--provider', 'kimi', '--purpose', 'file-extract', '--json'], { env });
    expect(extract.code).toBe(0);
  });

  it('takes the purpose from the config when --provider names the destination', async () => {
    const { ws, server, env } = await setup();
    const r = await ws.main(['upload', 'report.pdf', '--provider', 'kimi', '--json'], { env: { ...env, EXAI_PURPOSE: 'video' } });
    expect(r.code).toBe(3);
    expect(server.requests).toHaveLength(0);
  });

  it('keeps the configured list when the provider is only a preference (the file may fall back)', async () => {
    const { ws, server, env } = await setup();
    const r = await ws.main(['upload', 'report.pdf', '--json'], { env: { ...env, EXAI_PROVIDER: 'kimi', EXAI_PURPOSE: 'image' } });
    expect(r.code).toBe(0);
    expect(server.requests.length).toBeGreaterThan(0);
  });
});
