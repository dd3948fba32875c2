/**
 * A provider on 127.0.0.1 that is alive but never done: it reads the request body a little
 * at a time, trickles its answer a byte at a time, or never sends headers. Each step comes
 * well inside undici's per-phase timeouts, so only a total deadline can end the request.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export type TrickleMode =
  /** Read the request body in small sips (the client's socket stays full), then answer. */
  | 'slow-read'
  /** Read the body, send 200 headers, then one byte of the answer every `everyMs`. */
  | 'trickle-response'
  /** Read the body and never answer. */
  | 'no-headers';

export interface TrickleServer {
  url: string;
  /** Requests that reached the server (so the deadline, not a refused connect, ended them). */
  seen: number;
  /** Request body bytes read so far, over all requests. */
  bytesRead: number;
  close(): Promise<void>;
}

/** Start a server that answers every request in `mode`, one step every `everyMs`. */
export async function startTrickleServer(mode: TrickleMode, everyMs = 50): Promise<TrickleServer> {
  const timers = new Set<NodeJS.Timeout>();
  const state = { seen: 0, bytesRead: 0 };
  const every = (fn: () => void): void => {
    const timer = setInterval(fn, everyMs);
    timers.add(timer);
  };
  const server = createServer((req, res) => {
    state.seen++;
    if (mode === 'slow-read') return sipBody(req, res, state, every);
    req.on('data', (chunk: Buffer) => (state.bytesRead += chunk.length));
    req.on('end', () => {
      if (mode === 'no-headers') return;
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': '100000' });
      every(() => res.write('{'));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`,
    get seen() {
      return state.seen;
    },
    get bytesRead() {
      return state.bytesRead;
    },
    close: async () => {
      for (const timer of timers) clearInterval(timer);
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

/** Paused stream, one small read per tick: TCP backpressure makes the client wait. */
function sipBody(req: IncomingMessage, res: ServerResponse, state: { bytesRead: number }, every: (fn: () => void) => void): void {
  req.pause();
  req.on('end', () => res.writeHead(200, { 'content-type': 'application/json' }).end('{"id":"file-slow","object":"file","bytes":1,"filename":"x","purpose":"file-extract","created_at":1}'));
  every(() => {
    const chunk = req.read(1024) as Buffer | null;
    if (chunk) state.bytesRead += chunk.length;
    // Only what was asked for: req.read() with a size leaves the rest in the socket.
  });
}
