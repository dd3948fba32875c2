/**
 * A proxy in front of the loopback Supabase that remembers every credential that crosses it
 * (bearer JWTs, access and refresh tokens in auth bodies) and, when told to, plays a hostile
 * server: it answers chosen paths with an error that echoes the request's credentials back.
 */
import { createServer, request, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface TokenProxy {
  url: string;
  /** Every credential seen in either direction. */
  tokens: Set<string>;
  /** Paths requested, in order. */
  paths: string[];
  /** Requests whose path starts with one of these get an error quoting their credentials. */
  echo: string[];
  /** Requests whose path starts with one of these are read and never answered (a hung server). */
  hang: string[];
  /** With echo: also quote, bare, every token seen so far (a server that knows the session it serves). */
  quoteKnown: boolean;
  close(): Promise<void>;
}

/** Start a proxy to `target` on 127.0.0.1. */
export async function startTokenProxy(target: string): Promise<TokenProxy> {
  const upstream = new URL(target);
  const proxy: TokenProxy = { url: '', tokens: new Set(), paths: [], echo: [], hang: [], quoteKnown: false, close: async () => undefined };
  const remember = (text: string) => {
    for (const match of text.matchAll(/"(?:access_token|refresh_token)"\s*:\s*"([^"]+)"/g)) proxy.tokens.add(match[1]!);
    for (const match of text.matchAll(/refresh_token=([^&\s]+)/g)) proxy.tokens.add(decodeURIComponent(match[1]!));
  };
  const server = createServer((req, res) => {
    void readAll(req).then((body) => {
      const url = req.url ?? '/';
      proxy.paths.push(url);
      const auth = req.headers.authorization ?? '';
      if (auth.startsWith('Bearer ')) proxy.tokens.add(auth.slice(7));
      remember(body.toString('utf8'));
      if (proxy.hang.some((prefix) => url.startsWith(prefix))) return;
      if (proxy.echo.some((prefix) => url.startsWith(prefix))) {
        // Named (the body as sent) and bare: a bare refresh token has no shape a pattern could spot.
        const bare = [...body.toString('utf8').matchAll(/"refresh_token"\s*:\s*"([^"]+)"/g)].map((m) => m[1]).join(' ');
        const known = proxy.quoteKnown ? ` known ${[...proxy.tokens].join(' ')}` : '';
        const quoted = `${auth} ${String(req.headers.apikey ?? '')} ${body.toString('utf8')} token ${bare} is not valid${known}`;
        res.writeHead(url.startsWith('/auth/') ? 400 : 401, { 'content-type': 'application/json' });
        return void res.end(JSON.stringify({ code: 'PGRST301', message: `rejected ${quoted}`, error_description: `bad grant ${quoted}`, msg: quoted, hint: quoted, details: quoted }));
      }
      const forward = request({ host: upstream.hostname, port: upstream.port, method: req.method, path: url, headers: { ...req.headers, host: upstream.host } }, (up) => {
        void readAll(up).then((answer) => {
          remember(answer.toString('utf8'));
          res.writeHead(up.statusCode ?? 502, up.headers);
          res.end(answer);
        });
      });
      forward.on('error', () => res.destroy());
      forward.end(body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  proxy.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  proxy.close = () =>
    new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
  return proxy;
}

async function readAll(stream: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream as AsyncIterable<Buffer>) chunks.push(chunk);
  return Buffer.concat(chunks);
}
