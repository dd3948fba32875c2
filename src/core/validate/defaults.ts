/** Default rule settings; the config module uses them as the defaults of its keys. */
import { TEXT_MIME_BY_EXT, TEXT_NAMESAKE_MIME } from '../files/mime-table.js';

/** Extensions refused whatever the content: executables, installers, scripts, shortcuts. */
export const DEFAULT_BLOCKED_EXTENSIONS: readonly string[] = [
  '.exe', '.bat', '.cmd', '.com', '.sh', '.bash', '.zsh', '.ps1', '.psm1', '.msi', '.msp',
  '.dll', '.scr', '.jar', '.vbs', '.vbe', '.jse', '.wsf', '.wsh', '.hta', '.app', '.apk',
  '.bin', '.so', '.dylib', '.elf', '.cpl', '.lnk', '.reg', '.pif', '.gadget', '.inf', '.scf',
  '.msc', '.url', '.appx', '.msix', '.deb', '.rpm', '.dmg', '.pkg', '.run', '.command', '.ko',
  '.sys', '.drv', '.ocx', '.xll',
];

// Every text/code type we can name from an extension, minus shell scripts and active content.
const TEXT_TYPES = [...new Set([...Object.values(TEXT_MIME_BY_EXT), ...Object.values(TEXT_NAMESAKE_MIME)])].filter(
  (mime) => mime !== 'text/x-shellscript' && mime !== 'text/html' && mime !== 'image/svg+xml' && mime !== 'application/xhtml+xml',
);

/**
 * MIME types accepted by default: documents, images, text and code, JSONL, video and audio.
 * Of the text formats file-type names, iCalendar, vCard and WebVTT are text an LLM reads
 * (they come in through TEXT_TYPES); PostScript/EPS are programs, PGP messages are opaque
 * ciphertext and STL is a 3D mesh, so those stay off until a user allows them.
 */
export const DEFAULT_ALLOWED_MIME_TYPES: readonly string[] = [
  'application/pdf',
  'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
  'application/msword',
  'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
  'application/vnd.ms-excel',
  'application/vnd.openxmlformats-officedocument.presentationml.presentation',
  'application/vnd.ms-powerpoint',
  'application/vnd.oasis.opendocument.text',
  'application/vnd.oasis.opendocument.spreadsheet',
  'application/vnd.oasis.opendocument.presentation',
  'application/epub+zip',
  'image/png',
  'image/jpeg',
  'image/gif',
  'image/webp',
  'image/bmp',
  'image/tiff',
  'image/avif',
  ...TEXT_TYPES,
  'video/mp4',
  'video/webm',
  'video/quicktime',
  'audio/mpeg',
  'audio/wav',
];
