/** Ending a request the moment its signal aborts, whatever phase undici is in. */
import type { Dispatcher } from 'undici';

/**
 * The request, or the signal's reason as soon as it aborts. undici only applies an abort once
 * the request has a socket: while a connect hangs (a full accept queue, a dropped SYN) it waits
 * for the connect timeout, so a deadline or Ctrl-C would not end the request. The request left
 * behind is aborted by undici when its connect ends; its late answer is dropped here.
 */
export function abortable(pending: Promise<Dispatcher.ResponseData>, signal: AbortSignal | undefined): Promise<Dispatcher.ResponseData> {
  if (signal === undefined) return pending;
  return new Promise((resolve, reject) => {
    const onAbort = (): void => {
      pending.then((late) => discardBody(late.body), () => undefined);
      reject(signal.reason as Error);
    };
    if (signal.aborted) return onAbort();
    signal.addEventListener('abort', onAbort, { once: true });
    const settle = (): void => signal.removeEventListener('abort', onAbort);
    pending.then(
      (res) => (settle(), resolve(res)),
      (error: unknown) => (settle(), reject(error as Error)),
    );
  });
}

// Destroying a body emits an abort error nobody wants.
function discardBody(body: Dispatcher.ResponseData['body']): void {
  body.on('error', () => undefined);
  body.destroy();
}
