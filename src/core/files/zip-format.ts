/**
 * What a zip's central directory proves: an OOXML document needs `[Content_Types].xml` and
 * its main part, ODF and EPUB a `mimetype` entry naming the type; a VBA project or document
 * scripts are active content; `..` or absolute names and declared sizes are reported.
 */
import type { RandomSource } from './random-source.js';
import type { ContainerFacts } from './types.js';
import { readStoredEntry, readZipDirectory, type ZipEntry } from './zip-directory.js';

/** MIME of every format a container directory can prove (zip and compound file). */
export const CONTAINER_FORMAT_MIME: Readonly<Record<string, string>> = {
  docx: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
  docm: 'application/vnd.ms-word.document.macroEnabled.12',
  xlsx: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
  xlsm: 'application/vnd.ms-excel.sheet.macroEnabled.12',
  xlsb: 'application/vnd.ms-excel.sheet.binary.macroEnabled.12',
  pptx: 'application/vnd.openxmlformats-officedocument.presentationml.presentation',
  pptm: 'application/vnd.ms-powerpoint.presentation.macroEnabled.12',
  odt: 'application/vnd.oasis.opendocument.text',
  ods: 'application/vnd.oasis.opendocument.spreadsheet',
  odp: 'application/vnd.oasis.opendocument.presentation',
  odg: 'application/vnd.oasis.opendocument.graphics',
  ott: 'application/vnd.oasis.opendocument.text-template',
  ots: 'application/vnd.oasis.opendocument.spreadsheet-template',
  otp: 'application/vnd.oasis.opendocument.presentation-template',
  otg: 'application/vnd.oasis.opendocument.graphics-template',
  odb: 'application/vnd.oasis.opendocument.base',
  odf: 'application/vnd.oasis.opendocument.formula',
  epub: 'application/epub+zip',
  jar: 'application/java-archive',
  apk: 'application/vnd.android.package-archive',
  zip: 'application/zip',
  doc: 'application/msword',
  xls: 'application/vnd.ms-excel',
  ppt: 'application/vnd.ms-powerpoint',
  msg: 'application/vnd.ms-outlook',
  msi: 'application/x-msi',
  cfb: 'application/x-cfb',
};

// OOXML main parts; the macro-enabled variant is named when a VBA project sits beside it.
const OOXML_MAIN: readonly (readonly [string, string, string])[] = [
  ['word/document.xml', 'docx', 'docm'],
  ['xl/workbook.xml', 'xlsx', 'xlsm'],
  ['xl/workbook.bin', 'xlsb', 'xlsb'],
  ['ppt/presentation.xml', 'pptx', 'pptm'],
];

// Every ODF type above (templates and databases included, so that a template is reported as
// one rather than as a zip) and EPUB, by the content of their `mimetype` entry.
const MIMETYPE_FORMATS: Readonly<Record<string, string>> = Object.fromEntries(
  Object.entries(CONTAINER_FORMAT_MIME)
    .filter(([, mime]) => mime.startsWith('application/vnd.oasis.opendocument.') || mime === 'application/epub+zip')
    .map(([format, mime]) => [mime, format]),
);

const MAX_UNSAFE_LISTED = 5;

/** Read the central directory of the zip in `source` and say what it proves. */
export async function inspectZip(source: RandomSource): Promise<ContainerFacts> {
  const directory = await readZipDirectory(source);
  const facts: ContainerFacts = { kind: 'zip', format: 'zip', mime: CONTAINER_FORMAT_MIME['zip'] as string, macros: false, unsafeNames: [], declaredBytes: 0, storedBytes: 0, tooManyEntries: false };
  if ('error' in directory) return { ...facts, problem: directory.error };
  if (directory.tooMany) return { ...facts, tooManyEntries: true };
  const names = new Map<string, ZipEntry>();
  for (const entry of directory.entries) {
    facts.declaredBytes += entry.uncompressedSize;
    facts.storedBytes += entry.compressedSize;
    if (isUnsafeName(entry.name) && facts.unsafeNames.length < MAX_UNSAFE_LISTED) facts.unsafeNames.push(entry.name);
    const lower = entry.name.toLowerCase();
    if (!facts.macros && isMacroPart(lower)) facts.macros = true;
    names.set(lower, entry);
  }
  const { format, problem } = await formatOf(source, names, facts.macros);
  return { ...facts, format, mime: CONTAINER_FORMAT_MIME[format] ?? facts.mime, ...(problem === undefined ? {} : { problem }) };
}

async function formatOf(source: RandomSource, names: ReadonlyMap<string, ZipEntry>, macros: boolean): Promise<{ format: string; problem?: string }> {
  const main = OOXML_MAIN.find(([part]) => names.has(part));
  if (main !== undefined) {
    if (!names.has('[content_types].xml')) return { format: 'zip', problem: `it has ${main[0]} but no [Content_Types].xml` };
    return { format: macros ? main[2] : main[1] };
  }
  if (names.has('[content_types].xml')) return { format: 'zip', problem: 'it has [Content_Types].xml but no word/, xl/ or ppt/ main part' };
  const mimetype = names.get('mimetype');
  if (mimetype !== undefined) {
    const bytes = await readStoredEntry(source, mimetype, 200);
    const declared = bytes?.toString('latin1').trim();
    const format = declared === undefined ? undefined : MIMETYPE_FORMATS[declared];
    return format === undefined ? { format: 'zip', problem: `its mimetype entry names ${JSON.stringify(declared ?? '(unreadable)')}` } : { format };
  }
  if (names.has('androidmanifest.xml') && names.has('classes.dex')) return { format: 'apk' };
  if (names.has('meta-inf/manifest.mf') && [...names.keys()].some((n) => n.endsWith('.class'))) return { format: 'jar' };
  return { format: 'zip' };
}

// vbaProject.bin (OOXML), Basic/ and Scripts/ (ODF macros and scripts).
function isMacroPart(lowerName: string): boolean {
  return lowerName.endsWith('vbaproject.bin') || lowerName.startsWith('basic/') || lowerName.startsWith('scripts/');
}

/** A name that would land outside the extraction directory: a `..` segment, a root, a drive. */
export function isUnsafeName(name: string): boolean {
  const first = name.charCodeAt(0);
  if (first === SLASH || first === BACKSLASH || (name.charCodeAt(1) === COLON && isAsciiLetter(first))) return true;
  // Every entry of every document passes here: only a name with ".." in it can hold such a segment.
  return name.includes('..') && name.split(/[\\/]/).some((segment) => segment === '..');
}

const SLASH = 0x2f;
const BACKSLASH = 0x5c;
const COLON = 0x3a;

function isAsciiLetter(code: number): boolean {
  return (code >= 0x41 && code <= 0x5a) || (code >= 0x61 && code <= 0x7a);
}
