/**
 * `exai mcp` against the shared (Supabase) backend: a whole session — uploads with progress,
 * listings, quota, token refreshes, and a server that echoes credentials in its errors — and
 * no JWT or refresh token in anything the client receives (replies, tool errors, log and
 * progress notifications) nor in the operator's log.
 */
import { spawn } from 'node:child_process';
import { rm } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initialize, INITIALIZED, rawSession, toolCall, type RawReply } from '../helpers/raw-mcp.js';
import { pgSkipReason, startSupabaseWorld, type SupabaseWorld } from '../helpers/supabase-world.js';
import { startTokenProxy, type TokenProxy } from '../helpers/token-proxy.js';
import { BIN, createWorkspace, type Workspace } from '../helpers/workspace.js';

const skip = await pgSkipReason();

describe.skipIf(skip !== undefined)(`exai mcp with SUPABASE_URL${skip ? ` (skipped: ${skip})` : ''}`, () => {
  let world: SupabaseWorld;
  let proxy: TokenProxy;
  let ws: Workspace;
  let env: Record<string, string>;
  beforeAll(async () => {
    world = await startSupabaseWorld();
    proxy = await startTokenProxy(world.server.url);
    ws = await createWorkspace();
    env = { ...ws.env, SUPABASE_URL: proxy.url, SUPABASE_ANON_KEY: world.server.anonKey };
  });
  afterAll(async () => {
    await proxy?.close();
    await world?.close();
    if (ws) await rm(ws.root, { recursive: true, force: true });
  });

  function login(email: string, password: string): Promise<number | null> {
    const child = spawn(process.execPath, [BIN, 'login', '--email', email, '--password-stdin'], { cwd: ws.cwd, env, stdio: ['pipe', 'ignore', 'ignore'] });
    child.stdin.end(`${password}\n`);
    return new Promise((resolve) => child.on('close', resolve));
  }

  it('never sends a JWT or refresh token to the client, also when the server echoes them', async () => {
    await world.server.addUser('mcp@example.com', 'mcp-password');
    // Tokens that expire inside the refresh margin: every call refreshes the session.
    world.server.auth.tokenTtlSeconds = 30;
    expect(await login('mcp@example.com', 'mcp-password')).toBe(0);
    await ws.file('a.md', '# a\n'.repeat(20_000));
    await ws.file('b.md', '# b\n');
    const s = rawSession(ws, [], { SUPABASE_URL: proxy.url, SUPABASE_ANON_KEY: world.server.anonKey });
    try {
      s.send(initialize('init', '2025-06-18', { roots: {} }));
      await s.reply('init');
      s.send(INITIALIZED);
      s.send({ jsonrpc: '2.0', id: 'lvl', method: 'logging/setLevel', params: { level: 'debug' } });
      await s.until((all) => all.some((m) => (m as RawReply).method === 'roots/list'));
      s.send({ jsonrpc: '2.0', id: (s.lines.map((l) => JSON.parse(l) as RawReply).find((m) => m.method === 'roots/list'))!.id, result: { roots: [] } });
      const call = async (id: string, name: string, args: unknown) => {
        s.send(toolCall(id, name, args, { progressToken: id }));
        return JSON.stringify(await s.reply(id));
      };
      expect(await call('up', 'upload_files', { paths: ['a.md'] })).toContain('"status":"uploaded"');
      expect(await call('ls', 'list_files', {})).toContain('a.md');
      expect(await call('quota', 'get_quota', {})).toContain('used_bytes');
      proxy.echo = ['/rest/'];
      const failures = [await call('ls2', 'list_files', {}), await call('up2', 'upload_files', { paths: ['b.md'] }), await call('quota2', 'get_quota', {}), await call('rm', 'remove_files', { refs: ['b.md'], dry_run: true })];
      for (const text of failures) expect(text).toMatch(/isError|failed|error/);
      // An expired session whose refresh is refused by a server that quotes the refresh token
      // it was sent; a config edit makes the server open the session again (a new Runtime).
      world.server.auth.tokenTtlSeconds = -120;
      await call('expire', 'get_quota', {});
      proxy.echo = ['/auth/'];
      await ws.config({ notAKey: 1 });
      const refused = [await call('q-refused', 'get_quota', {}), await call('up-refused', 'upload_files', { paths: ['b.md'] })];
      for (const text of refused) expect(text).toContain('AUTH_REQUIRED');
      proxy.echo = [];
      expect(await s.end()).toBe(0);
    } finally {
      proxy.echo = [];
      world.server.auth.tokenTtlSeconds = 3600;
      if (s.child.exitCode === null) await s.end();
    }
    const refreshes = proxy.paths.filter((p) => p.includes('grant_type=refresh_token'));
    expect(refreshes.length).toBeGreaterThan(1);
    const secrets = [...proxy.tokens].filter((t) => t.length >= 8);
    expect(secrets.length).toBeGreaterThan(2);
    const out = s.lines.join("\n");
    for (const secret of secrets) {
      expect(out.includes(secret), `a credential reached the client: ${secret.slice(0, 6)}…`).toBe(false);
      expect(s.stderr().includes(secret), `a credential reached the log: ${secret.slice(0, 6)}…`).toBe(false);
    }
    expect(out).not.toMatch(/eyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{4,}/);
  });
});
