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
  if (!output.interactive) {
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

/** A spinner on an interactive stderr, and nothing at all elsewhere (for waits whose result is reported anyway). */
export function startQuietSpinner(output: Output, text: string): Spinner {
  return output.interactive ? startSpinner(output, text) : { stop: () => undefined };
}
