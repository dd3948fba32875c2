/**
 * undici's connector, remembering the sockets still connecting. A request given up on while
 * its connect hangs (a dropped SYN) leaves undici's socket in SYN_SENT, and destroying the
 * Agent does not reach it: the socket keeps the process alive until the kernel or the connect
 * timeout gives up (seconds to minutes after the command printed its result). Closing the
 * dispatcher ends those sockets too.
 */
import type { Socket } from 'node:net';
import type { Dispatcher } from 'undici';
import buildConnector from 'undici/lib/core/connect.js';

type Connect = ReturnType<typeof buildConnector>;

/** A connector with undici's behaviour, and a way to end every connect still in progress. */
export function trackingConnector(timeoutMs: number): { connect: Connect; endConnecting: () => void } {
  const connecting = new Set<Socket>();
  const base = buildConnector({ timeout: timeoutMs });
  const connect: Connect = (options, callback) => {
    let done = false;
    const socket = base(options, (...args) => {
      done = true;
      connecting.delete(socket);
      callback(...args);
    });
    if (!done) connecting.add(socket);
    return socket;
  };
  return {
    connect,
    endConnecting: () => {
      for (const socket of connecting) socket.destroy();
      connecting.clear();
    },
  };
}

const endersByDispatcher = new WeakMap<Dispatcher, () => void>();

/** Remember how to end `dispatcher`'s connects in progress (for destroyDispatcher). */
export function registerConnectEnder(dispatcher: Dispatcher, end: () => void): void {
  endersByDispatcher.set(dispatcher, end);
}

/** Destroy `dispatcher` and any socket it is still connecting: for when all its work is over. */
export async function destroyDispatcher(dispatcher: Dispatcher): Promise<void> {
  await dispatcher.destroy();
  endersByDispatcher.get(dispatcher)?.();
}
