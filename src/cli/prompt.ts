/**
 * Questions on a terminal: visible lines, or secrets whose typing is not echoed. One readline
 * interface serves every question of a command and keeps the terminal in raw mode between
 * them; lines typed (or pasted) ahead of their prompt are queued, not lost, and stay hidden
 * once a question has been answered — a pasted "email⏎password⏎" never shows the password.
 * Ctrl+D or Ctrl+C at a prompt cancels like every exai prompt: INTERRUPTED (exit 130), quietly.
 */
import { Writable } from 'node:stream';
import { ExaiError } from '../core/errors.js';
import type { Output } from './output.js';

/** Ask questions until close(). */
export interface Prompter {
  ask(question: string, secret?: boolean): Promise<string>;
  close(): void;
}

interface Waiter {
  resolve(line: string): void;
  reject(error: ExaiError): void;
}

/** A prompter on the process's terminal, writing prompts to stderr. */
export async function openPrompter(output: Output): Promise<Prompter> {
  const { createInterface } = await import('node:readline');
  let muted = false;
  // readline echoes typed characters through `output`: muting it hides what is typed.
  const echo = new Writable({
    write(chunk: Buffer, _encoding, done) {
      if (!muted) output.streams.stderr.write(chunk);
      done();
    },
  });
  const rl = createInterface({ input: output.streams.stdin ?? process.stdin, output: echo, terminal: true });
  const queued: string[] = [];
  let waiter: Waiter | undefined;
  const cancel = () => waiter?.reject(new ExaiError('INTERRUPTED', 'cancelled at the prompt; nothing was changed', { details: { prompt: true } }));
  // Synchronous on purpose: the rest of a pasted chunk is processed before any promise settles,
  // and must already be muted and queued.
  rl.on('line', (line: string) => {
    const current = waiter;
    waiter = undefined;
    muted = true;
    if (current) current.resolve(line);
    else queued.push(line);
  });
  rl.on('close', cancel);
  rl.on('SIGINT', () => {
    cancel();
    rl.close();
  });
  return {
    ask: async (question, secret = false) => {
      muted = false;
      rl.setPrompt(question);
      rl.prompt();
      muted = secret;
      const ahead = queued.shift();
      // Whatever is typed after an answer, before the next prompt, stays hidden (the line handler mutes).
      const line = ahead ?? (await new Promise<string>((resolve, reject) => (waiter = { resolve, reject })));
      muted = true;
      if (secret || ahead !== undefined) output.streams.stderr.write('\n');
      return line.trim();
    },
    close: () => rl.close(),
  };
}
