import { describe, expect, it } from 'vitest';
import { buildJUnitXml, escapeXmlAttribute, escapeXmlText } from '../../../src/cli/junit.js';
import type { ValidationReport } from '../../../src/core/validate/report.js';

const meta = { size: 1, mime_type: 'text/plain', extension: '.txt', sha256: null };
const ok: ValidationReport = { path: 'ok.txt', valid: true, errors: [], metadata: meta };
const bad: ValidationReport = {
  path: 'bad.exe',
  valid: false,
  errors: [
    { code: 1003, name: 'BLOCKED_EXTENSION', message: 'blocked ".exe"' },
    { code: 1006, name: 'EXECUTABLE_CONTENT', message: 'ELF <binary> & more' },
  ],
  metadata: meta,
};

describe('buildJUnitXml', () => {
  it('counts tests and failures and gives each file its own testcase', () => {
    const xml = buildJUnitXml([ok, bad], { seconds: 1.5, caseSeconds: [0.25, 0.5] });
    expect(xml).toMatch(/<testsuite name="exai validate" tests="2" failures="1" errors="0" skipped="0" time="1\.500"/);
    expect(xml).toContain('<testcase classname="exai.validate" name="ok.txt" time="0.250"/>');
    expect(xml).toMatch(/<testcase classname="exai\.validate" name="bad\.exe" time="0\.500">\n\s+<failure /);
  });

  it('puts every reason in the failure, typed by the first error name', () => {
    const xml = buildJUnitXml([bad]);
    expect(xml).toContain('type="BLOCKED_EXTENSION"');
    expect(xml).toContain('message="BLOCKED_EXTENSION: blocked &quot;.exe&quot;; EXECUTABLE_CONTENT: ELF &lt;binary&gt; &amp; more"');
    expect(xml).toContain('>BLOCKED_EXTENSION (1003): blocked ".exe"\nEXECUTABLE_CONTENT (1006): ELF &lt;binary&gt; &amp; more</failure>');
  });

  it('an empty run is still a valid document', () => {
    expect(buildJUnitXml([])).toMatch(/<testsuite [^>]*tests="0" failures="0"[^>]*>\n {2}<\/testsuite>/);
  });
});

describe('XML escaping', () => {
  it('escapes markup characters in text and quotes in attributes', () => {
    expect(escapeXmlText(`<a & "b">`)).toBe('&lt;a &amp; "b"&gt;');
    expect(escapeXmlAttribute(`<a & "b" 'c'>`)).toBe('&lt;a &amp; &quot;b&quot; &apos;c&apos;&gt;');
  });

  it('keeps tabs and newlines in attributes as references', () => {
    expect(escapeXmlAttribute('a\tb\nc\rd')).toBe('a&#9;b&#10;c&#13;d');
  });

  it('shows characters XML cannot carry as visible escapes', () => {
    expect(escapeXmlText('a\x00b\x1bc\x7fd')).toBe('a\\x00b\\x1bc\x7fd');
    expect(escapeXmlText('x\ud800y')).toBe('x\\ud800y');
    expect(escapeXmlText('ok 😀 é')).toBe('ok 😀 é');
    expect(escapeXmlText('\uffff')).toBe('\\uffff');
  });
});
