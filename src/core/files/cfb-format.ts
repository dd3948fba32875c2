/**
 * What a compound file's root proves: Word, Excel, PowerPoint and Outlook by their streams,
 * a Windows Installer package (or patch, or transform) by its CLSID or its encoded table
 * streams — an installer runs code, so it is reported as an executable.
 */
import { readCfbDirectory } from './cfb-directory.js';
import type { RandomSource } from './random-source.js';
import type { ContainerFacts } from './types.js';
import { CONTAINER_FORMAT_MIME } from './zip-format.js';

// Windows Installer package, patch and transform ({000C1084,6,2-0000-0000-C000-000000000046}).
const MSI_CLSIDS = new Set(['000c1084-0000-0000-c000-000000000046', '000c1086-0000-0000-c000-000000000046', '000c1082-0000-0000-c000-000000000046']);

// MSI stores its tables as streams whose names are packed into U+3800-U+4840 ("!_StringPool"
// is U+4840 followed by packed characters).
function isMsiStreamName(name: string): boolean {
  const first = name.charCodeAt(0);
  return first >= 0x3800 && first <= 0x4840;
}

const MACRO_STORAGES = new Set(['macros', '_vba_project_cur', 'vba']);

/** Read the compound file's directory in `source` and say what it proves. */
export async function inspectCfb(source: RandomSource): Promise<ContainerFacts> {
  const base: ContainerFacts = { kind: 'cfb', format: 'cfb', mime: CONTAINER_FORMAT_MIME['cfb'] as string, macros: false, unsafeNames: [], declaredBytes: 0, storedBytes: 0, tooManyEntries: false };
  const directory = await readCfbDirectory(source);
  if ('error' in directory) return { ...base, problem: directory.error };
  const names = new Set(directory.rootChildren);
  const format = formatOf(directory.rootClsid, names);
  const macros = directory.rootChildren.some((name) => MACRO_STORAGES.has(name.toLowerCase()));
  const problem = format === 'cfb' ? `its root holds no document stream (${[...names].slice(0, 5).map((n) => JSON.stringify(n)).join(', ') || 'nothing'})` : undefined;
  return { ...base, format, mime: CONTAINER_FORMAT_MIME[format] as string, macros, ...(problem === undefined ? {} : { problem }) };
}

function formatOf(clsid: string, names: ReadonlySet<string>): string {
  if (MSI_CLSIDS.has(clsid) || [...names].some(isMsiStreamName)) return 'msi';
  if (names.has('WordDocument')) return 'doc';
  if (names.has('Workbook') || names.has('Book')) return 'xls';
  if (names.has('PowerPoint Document')) return 'ppt';
  if (names.has('__properties_version1.0') || [...names].some((n) => n.startsWith('__substg1.0_'))) return 'msg';
  return 'cfb';
}
