/**
 * A config value as an error message quotes it. A base URL may carry a password in any
 * spelling the URL parser accepts (`http:user:pw@h`, backslashes, a space or an `@` in the
 * password, percent-encoded), so URLs are parsed and their userinfo dropped, never matched
 * by a pattern; secrets are never quoted; long values are clipped after all that.
 */
import { clipText } from '../redact.js';
import type { ConfigKeySpec } from './keys.js';

const SHOWN_LENGTH = 200;

/** The value as quoted in "invalid <key> <value> from <origin>: <why>". */
export function showConfigValue(spec: ConfigKeySpec, raw: unknown): string {
  if (spec.secret) return '<redacted>';
  if (spec.kind === 'url' && typeof raw === 'string') return JSON.stringify(showUrl(raw));
  return clipText(JSON.stringify(raw) ?? String(raw), SHOWN_LENGTH);
}

/** A URL as typed, or, when it carries credentials, rebuilt without them (and without query or fragment). */
export function showUrl(text: string): string {
  let url: URL;
  try {
    url = new URL(text.trim());
  } catch {
    // Unparseable: userinfo always ends at a literal '@', so without one there is none to hide.
    return text.includes('@') ? '<an unparseable URL with "@", not shown>' : clipText(text, SHOWN_LENGTH);
  }
  if (url.username === '' && url.password === '') return clipText(text.trim(), SHOWN_LENGTH);
  const rest = url.search !== '' || url.hash !== '' ? '…' : '';
  return clipText(`${url.protocol}//<redacted>@${url.host}${url.pathname}${rest}`, SHOWN_LENGTH);
}
