import { spawnSync } from 'node:child_process';
import fs from 'node:fs/promises';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { makeSandbox, runCli, type Sandbox } from './catalog-cli.js';

let sb: Sandbox;
beforeEach(async () => {
  sb = await makeSandbox();
});
afterEach(async () => {
  await fs.rm(sb.root, { recursive: true, force: true });
});

/** The real promtool (Debian package `prometheus`) lints the exposition text. */
function promtool(text: string): { status: number | null; output: string } {
  const r = spawnSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8' });
  if (r.error) throw new Error(`promtool is needed for this test (apt-get install prometheus): ${r.error.message}`);
  return { status: r.status, output: `${r.stdout}${r.stderr}` };
}

/** The value of one series; label order does not matter. */
const value = (text: string, series: string): number | undefined => {
  const canon = (s: string) => s.replace(/\{(.*)\}/, (_m, inner: string) => `{${inner.split(/,(?=[a-z_]+=)/).sort().join(',')}}`);
  const line = text.split('\n').find((l) => !l.startsWith('#') && canon(l.slice(0, l.lastIndexOf(' '))) === canon(series));
  return line === undefined ? undefined : Number(line.slice(line.lastIndexOf(' ') + 1));
};

async function upload(name: string, content: string, env: Record<string, string> = {}) {
  await fs.writeFile(path.join(sb.cwd, name), content);
  return runCli({ ...sb, env: { ...sb.env, ...env } }, ['upload', name, '--provider', 'local']);
}

describe('metrics', () => {
  it('counts uploads, dedup hits, validation failures and gc across runs; promtool accepts the text', async () => {
    expect((await upload('a.txt', 'alpha')).code).toBe(0);
    expect((await upload('a.txt', 'alpha')).code).toBe(0);
    expect((await upload('evil.exe', 'MZ not really')).code).toBe(3);
    expect((await runCli(sb, ['gc', '--yes'])).code).toBe(0);
    const r = await runCli(sb, ['metrics']);
    expect(r.code).toBe(0);
    const text = r.stdout;
    expect(value(text, 'exai_upload_attempts_total{provider="local",outcome="uploaded"}')).toBe(1);
    expect(value(text, 'exai_upload_attempts_total{provider="local",outcome="deduplicated"}')).toBe(1);
    expect(value(text, 'exai_dedup_hits_total')).toBe(1);
    expect(value(text, 'exai_upload_bytes_total{provider="local"}')).toBe(5);
    expect(value(text, 'exai_upload_duration_seconds_count{provider="local"}')).toBe(1);
    expect(value(text, 'exai_upload_duration_seconds_bucket{le="+Inf",provider="local"}')).toBe(1);
    expect(value(text, 'exai_validation_failures_total{rule="blocked_extension"}')).toBe(1);
    expect(value(text, 'exai_gc_deleted_total{reason="retention"}')).toBeUndefined();
    expect(value(text, 'exai_last_gc_timestamp_seconds')).toBeGreaterThan(1_700_000_000);
    // One content lock: the dedup hit needed none.
    expect(value(text, 'exai_lock_wait_seconds_count')).toBe(1);
    const lint = promtool(text);
    expect(lint.output).toBe('');
    expect(lint.status).toBe(0);
    // Totals keep adding up in the next run.
    await upload('b.txt', 'bravo');
    const next = (await runCli(sb, ['metrics'])).stdout;
    expect(value(next, 'exai_upload_attempts_total{provider="local",outcome="uploaded"}')).toBe(2);
  });

  it('EXAI_METRICS_FILE gets the totals written atomically, in a form promtool accepts', async () => {
    const file = path.join(sb.root, 'textfile', 'exai.prom');
    await fs.mkdir(path.dirname(file));
    await upload('c.txt', 'charlie', { EXAI_METRICS_FILE: file });
    const text = await fs.readFile(file, 'utf8');
    expect(value(text, 'exai_upload_attempts_total{provider="local",outcome="uploaded"}')).toBe(1);
    expect(promtool(text).status).toBe(0);
    expect(await fs.readdir(path.dirname(file))).toEqual(['exai.prom']);
  });

  it('EXAI_PUSHGATEWAY_URL pushes the totals with job="exai" and instance=<host>', async () => {
    const received: Array<{ method: string; url: string; body: string }> = [];
    const server = createServer((req: IncomingMessage, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        received.push({ method: req.method ?? '', url: req.url ?? '', body });
        res.writeHead(200).end();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      expect((await upload('d.txt', 'delta', { EXAI_PUSHGATEWAY_URL: url })).code).toBe(0);
      expect(received).toHaveLength(1);
      expect(received[0]!.method).toBe('PUT');
      expect(received[0]!.url).toBe(`/metrics/job/exai/instance/${encodeURIComponent(os.hostname())}`);
      expect(value(received[0]!.body, 'exai_upload_attempts_total{provider="local",outcome="uploaded"}')).toBe(1);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it('an unreachable Pushgateway is a warning, not a failed upload', async () => {
    const r = await upload('e.txt', 'echo', { EXAI_PUSHGATEWAY_URL: 'http://127.0.0.1:9' });
    expect(r.code).toBe(0);
    expect(r.stderr).toContain('metrics not recorded');
  });

  it('a run that records nothing creates no state at all', async () => {
    expect((await runCli(sb, ['ls'])).code).toBe(0);
    expect(await fs.readdir(sb.env.EXAI_STATE_DIR!)).not.toContain('state.sqlite');
    const empty = await runCli(sb, ['metrics']);
    expect(empty.code).toBe(0);
    expect(value(empty.stdout, 'exai_dedup_hits_total')).toBe(0);
    expect(promtool(empty.stdout).status).toBe(0);
  });
});
