/**
 * JUnit XML for `exai validate --reporter junit`: one <testcase> per file, so CI systems
 * (GitLab, Jenkins, GitHub test reporters) show each rejected file as a failed test.
 */
import type { ValidationReport } from '../core/validate/report.js';

/** What the report needs beyond the per-file results. */
export interface JUnitOptions {
  /** The <testsuite name>. */
  suiteName?: string;
  /** Wall time of the whole run, in seconds. */
  seconds?: number;
  /** Seconds spent on each report, in the same order (optional). */
  caseSeconds?: readonly number[];
  /** ISO timestamp of the run start. */
  timestamp?: string;
  /** Suite <properties> (e.g. which allowlist applied). */
  properties?: Readonly<Record<string, string>>;
}

const CLASSNAME = 'exai.validate';

/** Build a complete JUnit XML document (with a trailing newline) from validate reports. */
export function buildJUnitXml(reports: readonly ValidationReport[], opts: JUnitOptions = {}): string {
  const failures = reports.filter((r) => !r.valid).length;
  const suite = attrs({
    name: opts.suiteName ?? 'exai validate',
    tests: reports.length,
    failures,
    errors: 0,
    skipped: 0,
    time: formatSeconds(opts.seconds ?? 0),
    ...(opts.timestamp !== undefined ? { timestamp: opts.timestamp } : {}),
  });
  const cases = reports.map((r, i) => buildTestCase(r, opts.caseSeconds?.[i]));
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites${attrs({ name: 'exai', tests: reports.length, failures, errors: 0, time: formatSeconds(opts.seconds ?? 0) })}>`,
    `  <testsuite${suite}>`,
    ...buildProperties(opts.properties),
    ...cases,
    '  </testsuite>',
    '</testsuites>',
    '',
  ].join('\n');
}

function buildProperties(properties: Readonly<Record<string, string>> | undefined): string[] {
  const entries = Object.entries(properties ?? {});
  if (entries.length === 0) return [];
  return ['    <properties>', ...entries.map(([name, value]) => `      <property${attrs({ name, value })}/>`), '    </properties>'];
}

function buildTestCase(report: ValidationReport, seconds: number | undefined): string {
  const head = `    <testcase${attrs({ classname: CLASSNAME, name: report.path, time: formatSeconds(seconds ?? 0) })}`;
  if (report.valid) return `${head}/>`;
  const first = report.errors[0];
  const message = report.errors.map((e) => `${e.name}: ${e.message}`).join('; ') || 'rejected';
  const body = report.errors.map((e) => `${e.name} (${e.code}): ${e.message}`).join('\n');
  const failure = `      <failure${attrs({ message, type: first?.name ?? 'VALIDATION_FAILED' })}>${escapeXmlText(body)}</failure>`;
  return [`${head}>`, failure, '    </testcase>'].join('\n');
}

function attrs(values: Record<string, string | number>): string {
  return Object.entries(values)
    .map(([key, value]) => ` ${key}="${escapeXmlAttribute(String(value))}"`)
    .join('');
}

function formatSeconds(seconds: number): string {
  return Number.isFinite(seconds) && seconds > 0 ? seconds.toFixed(3) : '0';
}

// XML 1.0 can't carry most C0 controls, lone surrogates or U+FFFE/U+FFFF even as character
// references, and a file name may contain any of them: show them as visible \xNN / \uNNNN.
// eslint-disable-next-line no-control-regex
const NOT_XML_CHAR = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

function replaceInvalidChars(text: string): string {
  return text.replace(NOT_XML_CHAR, (ch) => {
    const code = ch.charCodeAt(0);
    return code < 0x100 ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
  });
}

/** Escape text content: &, <, > and characters XML can't hold. */
export function escapeXmlText(text: string): string {
  return replaceInvalidChars(text).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** Escape an attribute value; tabs and newlines become references so parsers keep them. */
export function escapeXmlAttribute(text: string): string {
  return escapeXmlText(text)
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;')
    .replace(/\t/g, '&#9;')
    .replace(/\n/g, '&#10;')
    .replace(/\r/g, '&#13;');
}
