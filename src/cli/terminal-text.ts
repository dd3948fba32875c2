/**
 * Text from outside (names found by walking a directory, provider file ids and error text,
 * catalog fields) must not drive the terminal: an ESC sequence can draw a fake "✓ report.txt"
 * over a rejected file, a CR or LF can make half a name look like a line of its own, and
 * bidi controls can reorder what is shown. Output escapes every such character at the one
 * place where human output is written.
 */

// C0 (with CR, LF, TAB and ESC), DEL, C1 (0x9B is a one-byte CSI), the invisible or
// reordering format characters (ALM, ZWSP..RLM, LS/PS, LRE..RLO, WJ..PDI, BOM) and the
// invisible tag characters U+E0000..E007F (a surrogate pair each), which can hide text.
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u061c\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff]|\udb40[\udc00-\udc7f]/;
const UNSAFE_ALL = new RegExp(UNSAFE.source, 'g');

// Exactly the SGR sequences our chalk palette emits (bold, dim, the 8 + 8 bright foreground
// colours and their resets), kept only when colour is on. Anything else that starts with ESC
// (cursor movement, erase, OSC titles and links, other SGR such as conceal) is escaped.
const OWN_SGR_OR_UNSAFE = new RegExp(`\\u001b\\[(?:1|2|22|3[0-7]|39|9[0-7])m|${UNSAFE.source}`, 'g');

const NAMED: Readonly<Record<string, string>> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };

/** One character as a visible escape: \n, \r, \t, \x1B, \u{202E}. */
function escapeChar(char: string): string {
  const named = NAMED[char];
  if (named !== undefined) return named;
  const code = char.codePointAt(0) ?? 0;
  const hex = code.toString(16).toUpperCase();
  return code < 0x100 ? `\\x${hex.padStart(2, '0')}` : `\\u{${hex}}`;
}

/**
 * Make `text` one inert terminal line: every control, bidi and invisible format character
 * becomes a visible escape. With `keepColor`, our own colour sequences pass.
 */
export function escapeTerminalText(text: string, keepColor: boolean): string {
  if (!UNSAFE.test(text)) return text;
  if (!keepColor) return text.replace(UNSAFE_ALL, escapeChar);
  // A match longer than one character that starts with ESC is one of our SGR sequences.
  return text.replace(OWN_SGR_OR_UNSAFE, (match) => (match.length > 1 && match.startsWith('\u001b') ? match : escapeChar(match)));
}

/** The same for text whose line breaks are ours (help, JUnit): each line escaped, LF kept. */
export function escapeTerminalLines(text: string, keepColor: boolean): string {
  if (!UNSAFE.test(text)) return text;
  return text
    .split('\n')
    .map((line) => escapeTerminalText(line, keepColor))
    .join('\n');
}

// JSON.stringify escapes C0 but leaves DEL, C1 and the format characters raw; as \uXXXX
// they mean the same to a JSON reader and nothing to a terminal.
const JSON_UNSAFE = /[\u007f-\u009f\u061c\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff]|\udb40[\udc00-\udc7f]/g;

/** Escape what JSON.stringify leaves raw and a terminal would act on; the JSON value is unchanged. */
export function escapeJsonInvisibles(json: string): string {
  return json.replace(JSON_UNSAFE, (chars) => [...chars].map(unicodeEscape).join(''));
}

// \uXXXX per UTF-16 unit, as JSON spells a character outside the BMP.
function unicodeEscape(char: string): string {
  let out = '';
  for (let i = 0; i < char.length; i++) out += `\\u${char.charCodeAt(i).toString(16).padStart(4, '0')}`;
  return out;
}
