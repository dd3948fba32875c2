/** The help topics beside the commands (`exai help environment`, `exai help exit-codes`), as gh has. */
import { CONFIG_KEYS } from '../core/config/keys.js';
import { EXIT } from '../core/errors.js';

/** What each exit code means; README's table says the same. */
export const EXIT_CODE_MEANINGS: ReadonlyArray<[number, string]> = [
  [EXIT.ok, 'everything asked for was done'],
  [EXIT.failure, 'failure not covered below; also a declined confirmation prompt (nothing changed)'],
  [EXIT.usage, 'usage error: bad flag or flag value, unknown command, an argument that matched no file'],
  [EXIT.validation, 'validation failed (at least one file rejected)'],
  [EXIT.auth, 'authentication needed or refused'],
  [EXIT.quota, 'quota exceeded'],
  [EXIT.noProvider, 'no provider available'],
  [EXIT.lock, 'lock not acquired in time'],
  [EXIT.partial, 'partial batch: some items succeeded, some failed'],
  [EXIT.config, 'configuration invalid (config file or environment)'],
  [EXIT.interrupted, 'interrupted: Ctrl-C, or Ctrl-C/Ctrl-D at a prompt (nothing changed)'],
];

const OUTPUT_ENV: ReadonlyArray<[string, string]> = [
  ['NO_COLOR', 'non-empty: no colour on either stream'],
  ['FORCE_COLOR', 'non-empty (not 0/false): colour even when not a terminal'],
  ['EXAI_CONFIG_DIR, EXAI_DATA_DIR, EXAI_STATE_DIR', 'where config, catalog/blobs and locks/caches live'],
];

/** The topics by name, each a function so nothing is built until asked for. */
export const HELP_TOPICS: Readonly<Record<string, { summary: string; text: () => string }>> = {
  environment: { summary: 'environment variables exai reads', text: environmentText },
  'exit-codes': { summary: 'what each exit code means', text: exitCodesText },
};

function environmentText(): string {
  const rows: Array<[string, string]> = [];
  for (const key of CONFIG_KEYS) if (key.env.length > 0) rows.push([key.env.join(', '), key.description]);
  rows.push(...OUTPUT_ENV);
  const width = Math.min(40, Math.max(...rows.map(([name]) => name.length)));
  const lines = rows.map(([name, what]) => `  ${name.padEnd(width)}  ${what}`);
  return [
    'Environment variables (defaults → config file → environment → flags):',
    '',
    ...lines,
    '',
    'With no provider key set, files go to the local provider (a folder in the data dir): no key needed.',
  ].join('\n');
}

function exitCodesText(): string {
  return ['Exit codes:', '', ...EXIT_CODE_MEANINGS.map(([code, what]) => `  ${String(code).padStart(3)}  ${what}`)].join('\n');
}

/** Shown after the top-level help: examples, the no-key default, where to read more. */
export const PROGRAM_HELP_AFTER = [
  '',
  'Examples:',
  '  exai validate report.pdf docs/',
  '  exai upload report.pdf                 # no key set: kept by the local provider',
  '  MOONSHOT_API_KEY=… exai upload docs/ --provider kimi --json',
  '  exai ls --status failed',
  '  exai rm report.pdf --dry-run',
  '',
  'With no MOONSHOT_API_KEY or ZAI_API_KEY set, uploads go to the local provider (no key needed).',
  'Main environment: MOONSHOT_API_KEY, ZAI_API_KEY, EXAI_ALLOWED_PATHS, EXAI_MAX_FILE_SIZE, NO_COLOR.',
  '',
  'Exit codes: 0 ok, 1 failure or declined prompt, 2 usage, 3 validation, 4 auth, 5 quota,',
  '  6 no provider, 7 lock, 8 partial, 9 config, 130 interrupted.',
  '',
  'More: exai help environment, exai help exit-codes, exai help <command>',
].join('\n');
