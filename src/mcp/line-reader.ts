/**
 * Cutting a byte stream into protocol lines. The client is a program we have not seen, so a
 * line may be endless, may not be UTF-8, and may end in CRLF: none of these may cost the
 * session (the SDK's own reader closes the connection on a line over its buffer size).
 */

/** One line as read: its text, or why it has none. */
export type Line = { text: string } | { problem: 'too-long' | 'not-utf8' };

/** Bytes in, whole lines out; a line over `maxBytes` is skipped up to its newline and reported once. */
export class LineReader {
  private chunks: Buffer[] = [];
  private size = 0;
  private skipping = false;
  private readonly decoder = new TextDecoder('utf-8', { fatal: true });

  constructor(private readonly maxBytes: number) {}

  /** Every line that `chunk` completes, in order. */
  push(chunk: Buffer): Line[] {
    const lines: Line[] = [];
    let start = 0;
    for (let nl = chunk.indexOf(10, start); nl !== -1; nl = chunk.indexOf(10, start)) {
      const line = this.finish(chunk.subarray(start, nl));
      if (line !== undefined) lines.push(line);
      start = nl + 1;
    }
    this.keep(chunk.subarray(start), lines);
    return lines;
  }

  /** The input ended: what is buffered is a last line without its newline (a client's final message is still one). */
  end(): Line[] {
    if (this.skipping) {
      this.clear();
      return [];
    }
    const line = this.finish(Buffer.alloc(0));
    return line === undefined ? [] : [line];
  }

  /** Drop what is buffered (the connection is closing). */
  clear(): void {
    this.chunks = [];
    this.size = 0;
    this.skipping = false;
  }

  private keep(rest: Buffer, lines: Line[]): void {
    if (this.skipping || rest.length === 0) return;
    if (this.size + rest.length > this.maxBytes) {
      // Reported now, not at its newline: the client may never send one.
      lines.push({ problem: 'too-long' });
      this.clear();
      this.skipping = true;
      return;
    }
    this.chunks.push(Buffer.from(rest));
    this.size += rest.length;
  }

  private finish(tail: Buffer): Line | undefined {
    if (this.skipping) {
      this.skipping = false;
      return undefined;
    }
    const tooLong = this.size + tail.length > this.maxBytes;
    const bytes = this.chunks.length === 0 ? tail : Buffer.concat([...this.chunks, tail]);
    this.chunks = [];
    this.size = 0;
    if (tooLong) return { problem: 'too-long' };
    try {
      // Invalid UTF-8 is refused, not repaired: a path with U+FFFD put in would name another file.
      const text = this.decoder.decode(bytes).replace(/\r$/, '');
      return text.trim() === '' ? undefined : { text };
    } catch {
      return { problem: 'not-utf8' };
    }
  }
}
