/**
 * A hostile provider on 127.0.0.1 that answers every request with an error body built from
 * the key it received (the Authorization header), in whatever format the test asks for.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

/** What to answer, given the key the client sent. */
export type EchoReply = (key: string) => { status: number; contentType: string; body: string };

export interface EchoKeyProvider {
  /** Base URL (with /v1, as Kimi's). */
  url: string;
  /** Requests seen. */
  count(): number;
  close(): Promise<void>;
}

/** Start the server; `reply` decides each answer. */
export async function startEchoKeyProvider(reply: EchoReply): Promise<EchoKeyProvider> {
  let seen = 0;
  const server = createServer((req, res) => {
    seen++;
    const key = String(req.headers.authorization ?? '').replace(/^Bearer\s+/i, '');
    req.resume();
    req.on('end', () => {
      const answer = reply(key);
      res.writeHead(answer.status, { 'content-type': answer.contentType, connection: 'close' });
      res.end(answer.body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/v1`,
    count: () => seen,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
