/** A reader that goes away early (`exai ls | head -1`) must not crash exai. */
import { describe, expect, it } from 'vitest';
import { createWorkspace } from '../helpers/workspace.js';

describe('closed stdout', () => {
  it('exits with its own code and no stack trace when the reader closes the pipe', async () => {
    const ws = await createWorkspace();
    const run = ws.spawn(['config', 'list']);
    // Close our end before exai writes a byte: its first write meets EPIPE.
    run.child.stdout?.destroy();
    const result = await run.done;
    expect(result.stderr).not.toContain('EPIPE');
    expect(result.stderr).not.toContain('Unhandled');
    expect(result.code).toBe(0);
  });
});
