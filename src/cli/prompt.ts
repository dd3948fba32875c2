/** Questions on a terminal: a visible line, or a secret whose typing is not echoed. */
import { Writable } from 'node:stream';
import type { Output } from './output.js';

/** Read one line from the TTY after printing `question` on stderr; `secret` hides what is typed. */
export async function askLine(output: Output, question: string, secret = false): Promise<string> {
  const { createInterface } = await import('node:readline/promises');
  let muted = false;
  // readline echoes typed characters through `output`: muting it after the question hides a password.
  const echo = new Writable({
    write(chunk: Buffer, _encoding, done) {
      if (!muted) output.streams.stderr.write(chunk);
      done();
    },
  });
  const rl = createInterface({ input: process.stdin, output: echo, terminal: true });
  try {
    const answer = rl.question(question);
    muted = secret;
    return (await answer).trim();
  } finally {
    rl.close();
    if (secret) output.streams.stderr.write('\n');
  }
}
