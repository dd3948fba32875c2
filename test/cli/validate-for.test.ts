import fs from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { pdfBytes, pngBytes } from '../fixtures/files.js';
import { makeWorkspace, runMain } from './run-main.js';

let ws: Awaited<ReturnType<typeof makeWorkspace>>;
const exai = (argv: string[], env: Record<string, string> = {}) => runMain(argv, { cwd: ws.cwd, env: { ...ws.env, ...env } });
const put = (name: string, body: Buffer | string) => fs.writeFile(path.join(ws.cwd, name), body);

interface JsonReport {
  path: string;
  valid: boolean;
  errors: { name: string; message: string }[];
  metadata: { mime_type: string | null };
  allowlist?: string;
}

const byPath = (stdout: string): Record<string, JsonReport> => Object.fromEntries((JSON.parse(stdout) as JsonReport[]).map((r) => [r.path, r]));
const errorNames = (r: JsonReport | undefined): string[] => (r?.errors ?? []).map((e) => e.name);

beforeEach(async () => {
  ws = await makeWorkspace();
  await put('doc.pdf', pdfBytes());
  await put('pic.png', pngBytes());
  await put('data.jsonl', '{"a":1}\n{"a":2}\n');
  await put('page.html', '<!doctype html><html><body>hi</body></html>\n');
  await put('notes.md', '# notes\n');
});

afterEach(async () => {
  await fs.rm(ws.root, { recursive: true, force: true });
});

describe('exai validate --for provider:purpose', () => {
  it('judges against the destination’s documented list and says which list applied', async () => {
    const image = await exai(['validate', '--json', '--for', 'kimi:image', '.']);
    const reports = byPath(image.stdout);
    expect(image.code).toBe(3);
    expect(reports['pic.png']?.valid).toBe(true);
    expect(errorNames(reports['doc.pdf'])).toEqual(['MIME_NOT_ALLOWED']);
    expect(reports['doc.pdf']?.errors[0]?.message).toContain('application/pdf is not on the kimi:image list');
    expect(errorNames(reports['data.jsonl'])).toEqual(['MIME_NOT_ALLOWED']);
    expect(Object.values(reports).every((r) => r.allowlist === 'kimi:image')).toBe(true);

    const batch = byPath((await exai(['validate', '--json', '--for', 'kimi:batch', 'data.jsonl', 'doc.pdf'])).stdout);
    expect(batch['data.jsonl']?.valid).toBe(true);
    expect(errorNames(batch['doc.pdf'])).toEqual(['MIME_NOT_ALLOWED']);
  });

  it('keeps the present list as the default when no destination is named', async () => {
    const r = byPath((await exai(['validate', '--json', 'doc.pdf', 'data.jsonl'])).stdout);
    expect(r['doc.pdf']?.allowlist).toBe('default');
    expect(r['data.jsonl']?.valid).toBe(true);
    const configured = byPath((await exai(['validate', '--json', 'doc.pdf'], { EXAI_ALLOWED_MIME_TYPES: 'application/pdf' })).stdout);
    expect(configured['doc.pdf']?.allowlist).toBe('config');
  });

  it('puts the user’s allow and block lists on top of the destination’s', async () => {
    const allowed = byPath((await exai(['validate', '--json', '--for', 'kimi:image', '--allow-mime', 'application/pdf', 'doc.pdf'])).stdout);
    expect(allowed['doc.pdf']?.valid).toBe(true);
    const blocked = byPath((await exai(['validate', '--json', '--for', 'kimi:image', '--block-mime', 'image/png', 'pic.png'])).stdout);
    expect(errorNames(blocked['pic.png'])).toEqual(['MIME_NOT_ALLOWED']);
    expect(blocked['pic.png']?.errors[0]?.message).toMatch(/blocked list/);
  });

  it('rejects HTML by default even where the provider takes it; --allow-mime text/html lets it through', async () => {
    const refused = byPath((await exai(['validate', '--json', '--for', 'kimi:file-extract', 'page.html'])).stdout);
    expect(errorNames(refused['page.html'])).toEqual(['ACTIVE_CONTENT']);
    const allowed = byPath((await exai(['validate', '--json', '--for', 'kimi:file-extract', '--allow-mime', 'text/html', 'page.html'])).stdout);
    expect(allowed['page.html']?.valid).toBe(true);
  });

  it('shows the allowlist in JUnit as a suite property', async () => {
    const r = await exai(['validate', '--reporter', 'junit', '--for', 'glm:agent', 'doc.pdf']);
    expect(r.stdout).toContain('<property name="allowlist" value="glm:agent"/>');
  });

  it('refuses an unknown provider or purpose with exit 2, naming the valid purposes', async () => {
    expect((await exai(['validate', '--for', 'openai', 'doc.pdf'])).code).toBe(2);
    const purpose = await exai(['validate', '--for', 'kimi:assistants', 'doc.pdf']);
    expect(purpose.code).toBe(2);
    expect(purpose.stderr).toContain('file-extract, image, video, batch');
  });
});
