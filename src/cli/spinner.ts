/**
 * A spinner (ora) for waits of unknown length — a lock held by another upload, a provider
 * listing, a login — on an interactive stderr only. Elsewhere the same text is one info
 * line, so logs and pipes still say why nothing is happening. Byte-counted work keeps the
 * progress bar (progress.ts): a spinner says "waiting", a bar says "how far".
 */
import type { Ora } from 'ora';
import type { Output } from './output.js';

/** A running wait indicator; stop() is safe to call more than once. */
export interface Spinner {
  stop(): void;
}

/** Start a spinner with `text` on stderr (TTY only), or print `text` once as an info line. */
export function startSpinner(output: Output, text: string): Spinner {
  if (!output.interactive || !hasWidth(output)) {
    output.info(text);
    return { stop: () => undefined };
  }
  let stopped = false;
  let spinner: Ora | undefined;
  // Loaded on first wait: ora and its dependencies cost startup time no fast run should pay.
  void import('ora').then(({ default: ora }) => {
    if (stopped) return;
    spinner = ora({ text: output.render('stderr', text), stream: output.streams.stderr, isEnabled: true, discardStdin: false, hideCursor: false }).start();
  });
  return {
    stop: () => {
      stopped = true;
      spinner?.stop();
      spinner = undefined;
    },
  };
}

/**
 * A terminal that reports no width (a pty nobody sized, as under `script`) makes ora count an
 * endless number of lines to clear on every frame: the process spins forever. No spinner there.
 */
function hasWidth(output: Output): boolean {
  const columns = (output.streams.stderr as { columns?: unknown }).columns;
  return typeof columns === 'number' && columns > 0;
}

/** A spinner on an interactive stderr, and nothing at all elsewhere (for waits whose result is reported anyway). */
export function startQuietSpinner(output: Output, text: string): Spinner {
  return output.interactive && hasWidth(output) ? startSpinner(output, text) : { stop: () => undefined };
}
