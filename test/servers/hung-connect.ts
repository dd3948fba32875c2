/**
 * A port on 127.0.0.1 where connect() hangs: a socket listens with a backlog of 1 and never
 * accepts (a python3 child: Node's own servers always accept), and idle sockets fill its
 * accept queue. Linux then drops every new SYN, so a client waits in SYN_SENT — a peer that
 * is there but never answers, not a refused connect.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import net from 'node:net';

// The listener prints its port, then waits until its stdin closes (the test ends it).
const SCRIPT = [
  'import socket, sys',
  's = socket.socket()',
  "s.bind(('127.0.0.1', 0))",
  's.listen(1)',
  'print(s.getsockname()[1], flush=True)',
  'sys.stdin.read()',
].join('\n');

export interface HungConnect {
  /** e.g. http://127.0.0.1:PORT/v1 */
  url: string;
  port: number;
  /** Drop the fillers and end the listener. */
  close(): Promise<void>;
}

/** Start the listener and fill its queue; every later connect to `port` hangs. */
export async function startHungConnect(): Promise<HungConnect> {
  const child = spawn('python3', ['-c', SCRIPT], { stdio: ['pipe', 'pipe', 'ignore'] });
  const fillers: net.Socket[] = [];
  const close = async (): Promise<void> => {
    for (const socket of fillers) socket.destroy();
    await endChild(child);
  };
  try {
    const port = await readPort(child);
    // Linux holds backlog + 1 completed connections in the queue: two fill it.
    for (let i = 0; i < 2; i++) fillers.push(await connected(port));
    return { url: `http://127.0.0.1:${port}/v1`, port, close };
  } catch (error) {
    await close();
    throw error;
  }
}

function readPort(child: ChildProcess): Promise<number> {
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`the listener exited (${code})`)));
    child.stdout!.once('data', (data: Buffer) => resolve(Number(String(data).trim())));
  });
}

function connected(port: number): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.once('connect', () => resolve(socket));
    socket.once('error', reject);
  });
}

function endChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.stdin?.end();
    child.kill();
  });
}
