/**
 * Secret scrubbing for anything that may be printed: the CLI applies it to every line, and
 * providers apply it to text a server sent back (a server may echo the key it received).
 */

const MASK = '<redacted>';

/** Shapes that are secrets whatever their value: tokens we never want on a terminal. */
const TOKEN_PATTERNS: readonly RegExp[] = [
  // Authorization: Bearer <token>, keep the scheme so the line stays readable.
  /\b(Bearer\s+)[A-Za-z0-9._~+/=-]{4,}/gi,
  // JWT: three base64url segments, the first one a JSON header ("eyJ").
  /\beyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*/g,
  // Session tokens by name, as a server echoes a request body back ({"refresh_token":"…"} or
  // refresh_token=…): a Supabase refresh token is short and opaque, no shape to spot it by.
  /\b((?:refresh|access|provider_refresh|provider)_token\\?["']?\s*[:=]\s*\\?["']?)[A-Za-z0-9._~+/=-]{4,}/gi,
  // OpenAI/Moonshot style keys.
  /\bsk-[A-Za-z0-9_-]{8,}/g,
  // Supabase secret and publishable keys.
  /\bsb_(?:secret|publishable)_[A-Za-z0-9_-]{8,}/g,
  // Zhipu/Z.ai keys (32 hex characters, a dot, a 16-character secret): maskZhipuKeys.
];

/** Replace every known secret and every token-shaped string in `text` with a mask. */
export function redactSecrets(text: string, secrets: readonly (string | undefined)[] = []): string {
  let out = text;
  for (const secret of expandSecrets(secrets)) out = out.split(secret).join(MASK);
  for (const pattern of TOKEN_PATTERNS) {
    out = out.replace(pattern, (match: string, scheme: unknown) =>
      typeof scheme === 'string' && match.startsWith(scheme) ? `${scheme}${MASK}` : MASK,
    );
  }
  return maskUrlCredentials(maskZhipuKeys(out));
}

// A backstop for `scheme://user:password@host` (also `http:user:pw@h` and backslashes) in
// text we did not parse ourselves; config refuses such URLs outright (parsers.ts). It starts
// at the ':' so the scan is cheap on long reports.
const URL_USERINFO = /(:[/\\]*)[^\s/\\@"'<>:]*:[^\s/\\"'<>@]*@/g;

function maskUrlCredentials(text: string): string {
  return text.includes('@') ? text.replace(URL_USERINFO, `$1${MASK}@`) : text;
}

/** The longest text a message quotes from outside before it is cut short. */
export const CLIP_LENGTH = 300;

/**
 * Cut `text` to `max` characters for a message. Callers redact first: a key cut in half no
 * longer matches anything. As a second line of defence the cut never leaves a partial
 * token-shaped run at its end (the head of a key the redactor did not know).
 */
export function clipText(text: string, max = CLIP_LENGTH): string {
  if (text.length <= max) return text;
  const head = text.slice(0, max);
  const cut = /[A-Za-z0-9._~+/=-]*$/.exec(head);
  const partial = cut !== null && /[A-Za-z0-9._~+/=-]/.test(text.charAt(max));
  return `${partial ? head.slice(0, cut.index) : head}…`;
}

// What /\b[0-9a-f]{32}\.[A-Za-z0-9]{16}\b/g would replace, found from the dot instead: a
// pattern that starts with a character class is tried at every position, and a validate
// report is mostly SHA-256 hex (11 ms of regex for 10,000 files; from the dot, under 1 ms).
const KEY_TAIL = /\.[A-Za-z0-9]{16}\b/g;
const KEY_HEX_CHARS = 32;

function maskZhipuKeys(text: string): string {
  let out = '';
  let copied = 0;
  for (const match of text.matchAll(KEY_TAIL)) {
    const start = match.index - KEY_HEX_CHARS;
    if (start < copied || !isLowerHexRun(text, start, match.index) || isWordChar(text.charCodeAt(start - 1))) continue;
    out += `${text.slice(copied, start)}${MASK}`;
    copied = match.index + match[0].length;
  }
  return copied === 0 ? text : out + text.slice(copied);
}

function isLowerHexRun(text: string, from: number, to: number): boolean {
  if (from < 0) return false;
  for (let i = from; i < to; i++) {
    const c = text.charCodeAt(i);
    if (!((c >= 0x30 && c <= 0x39) || (c >= 0x61 && c <= 0x66))) return false;
  }
  return true;
}

// \b's word characters: [A-Za-z0-9_] (NaN, before the start of the text, is none).
function isWordChar(c: number): boolean {
  return (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a) || c === 0x5f;
}

/** The most learnt secrets kept: a session refreshed all day must not grow the list (and each redaction) without end. */
const MAX_LEARNT = 64;

/** Secrets a run learns as it goes (session tokens read, refreshed, typed in), newest last, at most 64. */
export function createSecretList(max = MAX_LEARNT): { add: (secret: string) => void; list: () => string[] } {
  const seen = new Set<string>();
  return {
    add: (secret) => {
      seen.delete(secret);
      seen.add(secret);
      if (seen.size > max) seen.delete(seen.values().next().value!);
    },
    list: () => [...seen],
  };
}

/** Build a redactor bound to a fixed list of secrets. */
export function createRedactor(secrets: readonly (string | undefined)[]): (text: string) => string {
  const list = [...secrets];
  return (text) => redactSecrets(text, list);
}

/** Secrets long enough to mask safely, plus their URL-encoded forms, longest first. */
function expandSecrets(secrets: readonly (string | undefined)[]): string[] {
  const all = new Set<string>();
  for (const secret of secrets) {
    // Very short values would mask ordinary words; a real key is never this short.
    if (secret === undefined || secret.length < 4) continue;
    all.add(secret);
    all.add(encodeURIComponent(secret));
  }
  return [...all].sort((a, b) => b.length - a.length);
}

/**
 * `value` as JSON text with every secret masked, and still JSON. Masking the text itself can
 * break it: a mask can land after an escape's backslash (`"x:\nb:c@d"` matches the
 * URL-credentials pattern from `:\`), leaving `\<`. So when the text holds anything to mask,
 * the masking is done value by value (keys too) and the result serialized again.
 */
export function redactedJson(value: unknown, redact: (text: string) => string, space?: number): string {
  const text = JSON.stringify(value, null, space) ?? 'null';
  // The common case costs one pass: nothing to mask, nothing to redo.
  if (redact(text) === text) return text;
  return JSON.stringify(redactValues(JSON.parse(text) as unknown, redact), null, space);
}

/** A copy of a JSON value with every string, keys included, passed through `redact`. */
export function redactValues(value: unknown, redact: (text: string) => string): unknown {
  if (typeof value === 'string') return redact(value);
  if (Array.isArray(value)) return value.map((item) => redactValues(item, redact));
  if (typeof value !== 'object' || value === null) return value;
  const out: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) out[redact(key)] = redactValues(item, redact);
  return out;
}
