/**
 * gc's --json document is written in pieces; each value is redacted on its own, so a name that
 * the redactor masks (provider text: an orphan's file name) can't cut through a JSON escape.
 */
import { describe, expect, it } from 'vitest';
import { writeGcJson } from '../../../src/cli/gc-print.js';
import { Output } from '../../../src/cli/output.js';
import type { GcOrphan, GcPlan } from '../../../src/core/lifecycle/index.js';
import { createRedactor } from '../../../src/core/redact.js';
import { collect } from '../../cli/run-main.js';

const KEY = 'sk-gcjson-0123456789abcdef';
// Each looks like URL credentials (`user:pass@`) right after a character JSON escapes.
const HOSTILE_NAMES = ['q:"b:c@d.md', 'p:\\b:c@d.md', 'x:\nb:c@d.md', `k:${KEY}@h.md`, 'tab:\tb:c@d.md'];

function orphan(name: string, i: number): GcOrphan {
  return { kind: 'provider-only', provider: 'kimi', record: undefined, fileId: `file-${i}`, name, ageMs: 7_200_000, size: 10 };
}

function planWith(orphans: GcOrphan[]): GcPlan {
  return { now: 0, cutoff: 0, delete: [], keepCount: 0, bytesFreed: 0, quotaFreed: 0, orphans, expired: [] } as unknown as GcPlan;
}

describe('gc --json written in pieces', () => {
  it('stays one parseable document with every hostile orphan name masked or kept whole', () => {
    const stdout = collect();
    const output = new Output({ stdout, stderr: collect(), stderrIsTTY: false, stdinIsTTY: false }, { json: true, quiet: false, color: false, redact: createRedactor([KEY]) });
    // Enough orphans that the document crosses several 64 KB pieces.
    const orphans = Array.from({ length: 3000 }, (_, i) => orphan(HOSTILE_NAMES[i % HOSTILE_NAMES.length]!, i));
    writeGcJson(output, [], 0, 0, planWith(orphans), []);
    const text = stdout.text();
    const doc = JSON.parse(text) as { orphans: Array<{ name: string; file_id: string }> };
    expect(doc.orphans).toHaveLength(orphans.length);
    expect(doc.orphans.map((o) => o.file_id)).toEqual(orphans.map((o) => o.fileId));
    expect(text).not.toContain(KEY.slice(3, 12));
  });
});
