/** File-name helpers shared by the facts builder and the extension rules. */

/**
 * The name as Windows would open it: NFC, trailing dots and spaces stripped (`x.exe.` and
 * `x.exe ` open `x.exe` there), so extension checks see the extension that takes effect.
 */
export function cleanBaseName(name: string): string {
  return name.normalize('NFC').replace(/[. ]+$/u, '');
}

/** Lower-case final extension with its dot (".pdf"), or "" when the name has none. */
export function finalExtension(name: string): string {
  const clean = cleanBaseName(name).replace(/^\.+/u, '');
  const dot = clean.lastIndexOf('.');
  return dot <= 0 ? '' : clean.slice(dot).toLowerCase();
}

/** Every dotted extension in the name, lower-case: "report.PDF.exe" → [".pdf", ".exe"]. */
export function allExtensions(name: string): string[] {
  const clean = cleanBaseName(name).replace(/^\.+/u, '');
  const found: string[] = [];
  // Each dot starts a part that runs to the next dot; blank parts ("a..b", "a. .b") are no extension.
  for (let dot = clean.indexOf('.'); dot !== -1; ) {
    const next = clean.indexOf('.', dot + 1);
    const part = clean.slice(dot + 1, next === -1 ? undefined : next).trim();
    if (part !== '') found.push(`.${part.toLowerCase()}`);
    dot = next;
  }
  return found;
}
