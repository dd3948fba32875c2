/**
 * Redacting a structured result value by value. Redacting its JSON text instead can break
 * the JSON: a mask put after an escape's backslash (a path like `x:\nb:c@d` matches the
 * URL-credentials pattern from the `:\`) leaves `\<`, and parsing that back failed the call.
 */

/** A copy of `value` with every string (keys included) passed through `redact`. */
export function redactDeep(value: unknown, redact: (text: string) => string): unknown {
  if (typeof value === 'string') return redact(value);
  if (Array.isArray(value)) return value.map((item) => redactDeep(item, redact));
  if (typeof value !== 'object' || value === null) return value;
  const out: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) out[redact(key)] = redactDeep(item, redact);
  return out;
}
