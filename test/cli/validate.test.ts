import fs from 'node:fs/promises';
import path from 'node:path';
import Database from 'better-sqlite3';
import { beforeEach, describe, expect, it } from 'vitest';
import { elfBytes, pdfBytes, pngBytes } from '../fixtures/files.js';
import { makeWorkspace, runMain } from './run-main.js';

let ws: Awaited<ReturnType<typeof makeWorkspace>>;
const exai = (argv: string[], extra: { env?: Record<string, string>; stderrIsTTY?: boolean } = {}) =>
  runMain(argv, { cwd: ws.cwd, env: { ...ws.env, ...extra.env }, ...(extra.stderrIsTTY !== undefined ? { stderrIsTTY: extra.stderrIsTTY } : {}) });
const put = (name: string, body: Buffer | string) => fs.writeFile(path.join(ws.cwd, name), body);

interface JsonReport {
  path: string;
  valid: boolean;
  errors: { code: number; name: string; message: string }[];
  metadata: { size: number | null; mime_type: string | null; extension: string | null; sha256: string | null };
}

beforeEach(async () => {
  ws = await makeWorkspace();
  await put('ok.pdf', pdfBytes());
  await put('pic.png', pngBytes());
  await put('notes.md', '# notes\n');
});

describe('exai validate (in-process)', () => {
  it('prints one ✓ line per valid file, a summary on stderr, and exits 0', async () => {
    const r = await exai(['validate', '.']);
    expect(r.code).toBe(0);
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines).toHaveLength(3);
    expect(lines).toContain(`✓ ok.pdf  ${pdfBytes().length} B  application/pdf`);
    expect(lines).toContain(`✓ pic.png  ${pngBytes().length} B  image/png`);
    expect(r.stderr).toContain('3 valid, 0 rejected');
  });

  it('marks a rejected file with ✗ and its reasons, and exits 3', async () => {
    await put('x.txt', elfBytes());
    const r = await exai(['validate', 'x.txt', 'ok.pdf']);
    expect(r.code).toBe(3);
    const bad = r.stdout.split('\n').find((l) => l.includes('x.txt'));
    expect(bad).toMatch(/^✗ x\.txt {2}128 B .*EXECUTABLE_CONTENT: /);
    expect(r.stderr).toContain('1 valid, 1 rejected');
  });

  it('--json prints one array with path, valid, errors and metadata; --reporter json is the same', async () => {
    await put('x.txt', elfBytes());
    const r = await exai(['validate', '--json', '.']);
    expect(r.code).toBe(3);
    expect(r.stderr).toBe('');
    const report = JSON.parse(r.stdout) as JsonReport[];
    expect(report.map((f) => f.path)).toEqual(['notes.md', 'ok.pdf', 'pic.png', 'x.txt']);
    const ok = report.find((f) => f.path === 'ok.pdf');
    expect(ok).toMatchObject({ valid: true, errors: [], metadata: { size: pdfBytes().length, mime_type: 'application/pdf', extension: '.pdf' } });
    expect(ok?.metadata.sha256).toMatch(/^[0-9a-f]{64}$/);
    const bad = report.find((f) => f.path === 'x.txt');
    expect(bad?.valid).toBe(false);
    expect(bad?.errors[0]).toMatchObject({ name: 'EXECUTABLE_CONTENT', code: expect.any(Number) as number });
    const same = await exai(['validate', '--reporter', 'json', '.']);
    expect(same.code).toBe(3);
    expect(JSON.parse(same.stdout)).toEqual(report);
  });

  it('--reporter junit writes one testcase per file, failures with type and all reasons', async () => {
    await put('x.pdf.exe', elfBytes());
    const r = await exai(['validate', '--reporter', 'junit', '.']);
    expect(r.code).toBe(3);
    expect(r.stdout).toMatch(/^<\?xml version="1.0" encoding="UTF-8"\?>\n<testsuites [^>]*>\n {2}<testsuite [^>]*>\n/);
    expect(r.stdout.trimEnd()).toMatch(/<\/testsuite>\n<\/testsuites>$/);
    expect(r.stdout).toMatch(/<testsuite name="exai validate" tests="4" failures="1" errors="0"/);
    expect(r.stdout.match(/<testcase classname="exai\.validate" name="[^"]*"/g)).toHaveLength(4);
    expect(r.stdout).toMatch(/<testcase classname="exai\.validate" name="ok\.pdf" time="[\d.]+"\/>/);
    const failure = /<testcase classname="exai\.validate" name="x\.pdf\.exe"[^>]*>\n\s*<failure message="([^"]*)" type="([A-Z_]+)">([^<]*)<\/failure>\n\s*<\/testcase>/.exec(r.stdout);
    expect(failure).not.toBeNull();
    const [, message = '', type = '', body = ''] = failure ?? [];
    expect(message).toContain('BLOCKED_EXTENSION');
    expect(message).toContain('EXECUTABLE_CONTENT');
    expect(['BLOCKED_EXTENSION', 'EXECUTABLE_CONTENT']).toContain(type);
    expect(body.split('\n').length).toBeGreaterThanOrEqual(2);
  });

  it('--reporter junit escapes awkward file names so the XML stays well-formed', async () => {
    const name = `a<b&"c'\x01.txt`;
    await put(name, elfBytes());
    const r = await exai(['validate', '--reporter', 'junit', name]);
    expect(r.code).toBe(3);
    expect(r.stdout).toContain('name="a&lt;b&amp;&quot;c&apos;\\x01.txt"');
    // eslint-disable-next-line no-control-regex
    expect(r.stdout).not.toMatch(/[\x00-\x08\x0b\x0c\x0e-\x1f]/);
    const inTags = r.stdout.match(/<[^>]*>/g) ?? [];
    for (const tag of inTags) expect(tag.replace(/"[^"]*"/g, '""')).not.toMatch(/[<&'"].*[<&]/);
    expect(r.stdout.replace(/<[^>]*>/g, '')).not.toMatch(/[<>]|&(?!(amp|lt|gt|quot|apos|#\d+);)/);
  });

  it('refuses bad usage with exit 2: unknown flag, unknown reporter, --json with junit', async () => {
    expect((await exai(['validate', '--nope', 'ok.pdf'])).code).toBe(2);
    expect((await exai(['validate', '--reporter', 'tap', 'ok.pdf'])).code).toBe(2);
    const both = await exai(['validate', '--json', '--reporter', 'junit', 'ok.pdf']);
    expect(both.code).toBe(2);
    expect(JSON.parse(both.stderr)).toMatchObject({ error: { name: 'USAGE' } });
    expect((await exai(['validate'])).code).toBe(2);
  });

  it('exits 9 naming the key when the configuration is invalid', async () => {
    const r = await exai(['validate', 'ok.pdf'], { env: { EXAI_MAX_FILE_SIZE: '-5MB' } });
    expect(r.code).toBe(9);
    expect(r.stderr).toContain('maxFileSize');
    expect(r.stdout).toBe('');
  });

  it('--max-size overrides the configured limit for one run', async () => {
    await put('big.txt', 'x'.repeat(4096));
    expect((await exai(['validate', 'big.txt'])).code).toBe(0);
    const r = await exai(['validate', '--max-size', '1KB', '--json', 'big.txt']);
    expect(r.code).toBe(3);
    expect((JSON.parse(r.stdout) as JsonReport[])[0]?.errors.map((e) => e.name)).toContain('FILE_TOO_LARGE');
    expect((await exai(['validate', '--max-size', 'lots', 'big.txt'])).code).toBe(2);
  });

  it('shows and clears a progress line only when stderr is a TTY and output is not JSON', async () => {
    const tty = await exai(['validate', '.'], { stderrIsTTY: true });
    expect(tty.stderr).toMatch(/validating \d+\/3 files…/);
    expect(tty.stderr).toContain('\r\x1b[2K');
    expect((await exai(['validate', '.'])).stderr).not.toContain('validating');
    expect((await exai(['validate', '--json', '.'], { stderrIsTTY: true })).stderr).toBe('');
    expect((await exai(['validate', '-q', '.'], { stderrIsTTY: true })).stderr).toBe('');
  });

  it('remembers large files in the hash cache and still reports the same hash on a rerun', async () => {
    await put('large.txt', 'a'.repeat(300 * 1024));
    const first = JSON.parse((await exai(['validate', '--json', '.'])).stdout) as JsonReport[];
    const db = new Database(path.join(ws.env.EXAI_STATE_DIR, 'hash-cache.sqlite'), { readonly: true });
    const rows = db.prepare('SELECT COUNT(*) AS n FROM hash_cache').get() as { n: number };
    db.close();
    expect(rows.n).toBe(1);
    const second = JSON.parse((await exai(['validate', '--json', '.'])).stdout) as JsonReport[];
    expect(second).toEqual(first);
  });

  it('validates without the cache when the state dir is unusable, with a warning', async () => {
    const blocker = path.join(ws.root, 'not-a-dir');
    await fs.writeFile(blocker, '');
    const r = await exai(['validate', 'ok.pdf'], { env: { EXAI_STATE_DIR: blocker } });
    expect(r.code).toBe(0);
    expect(r.stderr).toContain('hash cache unavailable');
  });
});
