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
  const parts = clean.split('.').slice(1);
  return parts.filter((part) => part.trim() !== '').map((part) => `.${part.trim().toLowerCase()}`);
}
