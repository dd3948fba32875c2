/**
 * What each provider documents it accepts, per purpose, as MIME types (the types exai
 * reports; facts/providers.md §1.6, §1.5 and the GLM purpose table). A purpose with no list
 * here (local, GLM voice-clone-input, undocumented ones) falls back to the configured list.
 */

import { ExaiError } from '../core/errors.js';

const DOCS = [
  'application/pdf',
  'application/msword',
  'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
  'application/vnd.ms-excel',
  'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
  'application/vnd.ms-powerpoint',
  'application/vnd.openxmlformats-officedocument.presentationml.presentation',
];
const CSV = 'text/csv';

// Kimi file-extract: ".pdf .txt .csv .doc(x) .xls(x) .ppt(x) .md .jpeg .png .bmp .gif .svg .svgz
// .webp .ico … .tif(f) .avif .apng .epub .html .json .mobi .log .go .h .c .cpp … .cs .java .js
// .css .jsp .php .py .asp .yaml .yml .ini .conf .ts .tsx", "and more".
const KIMI_FILE_EXTRACT = [
  ...DOCS,
  'text/plain',
  CSV,
  'text/markdown',
  'application/epub+zip',
  'application/x-mobipocket-ebook',
  'application/json',
  'application/yaml',
  'image/jpeg',
  'image/png',
  'image/apng',
  'image/bmp',
  'image/gif',
  'image/webp',
  'image/x-icon',
  'image/tiff',
  'image/avif',
  // Active content: listed so the provider takes it, still refused unless allowed explicitly.
  'image/svg+xml',
  'text/html',
  'text/x-go',
  'text/x-c',
  'text/x-c++',
  'text/x-csharp',
  'text/x-java',
  'text/javascript',
  'text/css',
  'text/x-php',
  'text/x-python',
  'text/x-typescript',
];

const KIMI_IMAGE = ['image/png', 'image/jpeg', 'image/webp', 'image/gif'];
// mp4, mpeg, mov, avi, x-flv, mpg, webm, wmv, 3gpp — as file-type names them.
const KIMI_VIDEO = [
  'video/mp4',
  'video/mpeg',
  'video/mp1s',
  'video/mp2p',
  'video/quicktime',
  'video/vnd.avi',
  'video/x-msvideo',
  'video/x-flv',
  'video/webm',
  'video/x-ms-asf',
  'application/vnd.ms-asf',
  'video/3gpp',
];
const BATCH = ['application/jsonl'];
const GLM_EXTRACT = [...DOCS, 'image/png', 'image/jpeg', CSV];
const GLM_AGENT = [...DOCS.filter((m) => m !== 'application/vnd.openxmlformats-officedocument.presentationml.presentation' && m !== 'application/vnd.ms-powerpoint'), 'text/plain', 'image/png', 'image/jpeg', CSV];

const ACCEPTS: Readonly<Record<string, Readonly<Record<string, readonly string[]>>>> = {
  kimi: { 'file-extract': KIMI_FILE_EXTRACT, image: KIMI_IMAGE, video: KIMI_VIDEO, batch: BATCH },
  glm: { 'file-extract': GLM_EXTRACT, 'code-interpreter': GLM_AGENT, agent: GLM_AGENT, batch: BATCH },
};

/** The MIME types `provider` documents for `purpose`, or undefined when it documents none. */
export function acceptedMimeTypes(provider: string, purpose: string): readonly string[] | undefined {
  const byPurpose = ACCEPTS[provider];
  return byPurpose !== undefined && Object.hasOwn(byPurpose, purpose) ? byPurpose[purpose] : undefined;
}

/** A named destination and the list it documents (undefined: none, the configured list applies). */
export interface Destination {
  provider: string;
  purpose: string;
  accepts: readonly string[] | undefined;
}

const PROVIDER_NAMES = ['kimi', 'glm', 'local'];

/** Parse `provider[:purpose]` (`kimi:file-extract`, `glm`); a purpose the provider lacks is a usage error. */
export async function parseDestination(spec: string): Promise<Destination> {
  const colon = spec.indexOf(':');
  const provider = (colon === -1 ? spec : spec.slice(0, colon)).trim().toLowerCase();
  const asked = colon === -1 ? '' : spec.slice(colon + 1).trim();
  if (!PROVIDER_NAMES.includes(provider)) {
    throw new ExaiError('USAGE', `--for ${JSON.stringify(spec)}: unknown provider "${provider}".`, { hint: 'use --for kimi, glm or local, optionally with :purpose (e.g. kimi:file-extract)' });
  }
  const purpose = asked === '' ? 'file-extract' : asked;
  if (provider !== 'local') await checkPurposeName(provider, purpose);
  return { provider, purpose, accepts: acceptedMimeTypes(provider, purpose) };
}

// The purpose tables live with each provider; load only the one asked about.
async function checkPurposeName(provider: string, purpose: string): Promise<void> {
  const purposes = provider === 'kimi' ? (await import('./kimi.js')).KIMI_PURPOSES : (await import('./glm.js')).GLM_PURPOSES;
  if (Object.hasOwn(purposes, purpose)) return;
  const valid = Object.keys(purposes).join(', ');
  throw new ExaiError('INVALID_PURPOSE', `${provider} does not accept purpose "${purpose}"; valid purposes: ${valid}`, { hint: `use --for ${provider}:<purpose> with one of: ${valid}` });
}
