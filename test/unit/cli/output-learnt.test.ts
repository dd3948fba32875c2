/** Output.learnSecret: a secret learnt mid-run is masked in every way the run writes, from then on. */
import { describe, expect, it } from 'vitest';
import { Output } from '../../../src/cli/output.js';
import { createSecretList } from '../../../src/core/redact.js';
import { collect } from '../../cli/run-main.js';

// Short and opaque like a Supabase refresh token: no pattern would spot it.
const TOKEN = 'q7xk2mz9vbn4';

function makeOutput(json: boolean) {
  const stdout = collect();
  const stderr = collect();
  const output = new Output({ stdout, stderr, stderrIsTTY: false, stdinIsTTY: false }, { json, quiet: false, color: false, redact: (t) => t });
  return { output, stdout, stderr };
}

describe('Output.learnSecret', () => {
  it('masks a learnt token in lines, warnings, errors, spinner text and the redact() of MCP messages', () => {
    const { output, stdout, stderr } = makeOutput(false);
    output.line(`before ${TOKEN}`);
    output.learnSecret(TOKEN);
    output.line(`after ${TOKEN}`);
    output.warn(`refresh ${TOKEN} refused`);
    output.error(`error: token ${encodeURIComponent(TOKEN)}`);
    expect(output.render('stderr', `spinning ${TOKEN}`)).toBe('spinning <redacted>');
    expect(output.redact(TOKEN)).toBe('<redacted>');
    // Learnt at the moment it is read: what was printed before could not have known it.
    expect(stdout.text()).toBe(`before ${TOKEN}\nafter <redacted>\n`);
    expect(stderr.text()).not.toContain(TOKEN);
  });

  it('masks a learnt token value by value in --json documents and error lines, which stay JSON', () => {
    const { output, stdout, stderr } = makeOutput(true);
    output.learnSecret(TOKEN);
    output.jsonDocument({ [TOKEN]: [`x ${TOKEN}`], n: 1 });
    output.warn(`quoted ${TOKEN}`);
    output.errorJson({ error: { message: `bad grant ${TOKEN}` } });
    expect(JSON.parse(stdout.text())).toEqual({ '<redacted>': ['x <redacted>'], n: 1 });
    for (const line of stderr.text().trim().split('\n')) expect(JSON.stringify(JSON.parse(line))).not.toContain(TOKEN);
  });
});

describe('createSecretList', () => {
  it('keeps the newest 64: a session refreshed all day does not grow it without end', () => {
    const list = createSecretList();
    for (let i = 0; i < 70; i++) list.add(`token-${i}`);
    list.add('token-10');
    expect(list.list()).toHaveLength(64);
    expect(list.list()).not.toContain('token-0');
    expect(list.list().at(-1)).toBe('token-10');
  });
});
