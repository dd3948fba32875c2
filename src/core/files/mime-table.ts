/**
 * Extension tables: the MIME of text files (which have no magic bytes), which sniffed
 * types each binary extension may legitimately hold, and which names are active content.
 * Sniffed `ext` values are file-type 21.3.4's.
 */

const CODE_MIME: Readonly<Record<string, string>> = {
  '.py': 'text/x-python',
  '.js': 'text/javascript',
  '.mjs': 'text/javascript',
  '.cjs': 'text/javascript',
  '.jsx': 'text/javascript',
  '.ts': 'text/x-typescript',
  '.mts': 'text/x-typescript',
  '.cts': 'text/x-typescript',
  '.tsx': 'text/x-typescript',
  '.go': 'text/x-go',
  '.rs': 'text/x-rust',
  '.c': 'text/x-c',
  '.h': 'text/x-c',
  '.cc': 'text/x-c++',
  '.cpp': 'text/x-c++',
  '.cxx': 'text/x-c++',
  '.hpp': 'text/x-c++',
  '.hh': 'text/x-c++',
  '.java': 'text/x-java',
  '.kt': 'text/x-kotlin',
  '.swift': 'text/x-swift',
  '.rb': 'text/x-ruby',
  '.php': 'text/x-php',
  '.cs': 'text/x-csharp',
  '.scala': 'text/x-scala',
  '.lua': 'text/x-lua',
  '.r': 'text/x-r',
  '.pl': 'text/x-perl',
  '.sql': 'text/x-sql',
  '.css': 'text/css',
  '.scss': 'text/x-scss',
  '.sh': 'text/x-shellscript',
  '.bash': 'text/x-shellscript',
  '.zsh': 'text/x-shellscript',
};

/** MIME of text files by lower-case extension (text has no magic bytes to go on). */
export const TEXT_MIME_BY_EXT: Readonly<Record<string, string>> = {
  '.txt': 'text/plain',
  '.text': 'text/plain',
  '.log': 'text/plain',
  '.ini': 'text/plain',
  '.cfg': 'text/plain',
  '.conf': 'text/plain',
  '.md': 'text/markdown',
  '.markdown': 'text/markdown',
  '.rst': 'text/x-rst',
  '.tex': 'text/x-tex',
  '.csv': 'text/csv',
  '.tsv': 'text/tab-separated-values',
  '.json': 'application/json',
  '.jsonl': 'application/jsonl',
  '.ndjson': 'application/jsonl',
  '.yaml': 'application/yaml',
  '.yml': 'application/yaml',
  '.toml': 'application/toml',
  '.xml': 'application/xml',
  '.svg': 'image/svg+xml',
  '.html': 'text/html',
  '.htm': 'text/html',
  '.xhtml': 'application/xhtml+xml',
  '.ics': 'text/calendar',
  '.ical': 'text/calendar',
  '.vcf': 'text/vcard',
  '.vcard': 'text/vcard',
  '.vtt': 'text/vtt',
  ...CODE_MIME,
};

/**
 * Names a binary format shares with a text one: .dot is a Word template and a Graphviz graph,
 * .pot a PowerPoint template and a gettext template, .msg an Outlook message and a message
 * catalog, .asc a PGP message and any ASCII file, .ppm a binary and an ASCII image. Content
 * with the binary format's magic is judged as that format; clean text with no magic is the
 * text format, not a renamed file.
 */
export const TEXT_NAMESAKE_MIME: Readonly<Record<string, string>> = {
  '.dot': 'text/vnd.graphviz',
  '.pot': 'text/x-gettext-translation-template',
  '.msg': 'text/plain',
  '.asc': 'text/plain',
  // Netpbm's ASCII variants (P1-P3) are text; the binary ones (P4-P6) are images (extra-magic.ts).
  '.pbm': 'text/plain',
  '.pgm': 'text/plain',
  '.ppm': 'text/plain',
  '.pnm': 'text/plain',
};

/** MIME for text files whose extension says nothing (README, Makefile, notes.v2). */
export const PLAIN_TEXT_MIME = 'text/plain';

/** Names that are SVG/HTML: script runs when something renders them. */
export const ACTIVE_EXTS: ReadonlySet<string> = new Set(['.svg', '.svgz', '.html', '.htm', '.xhtml', '.xht', '.shtml', '.mht', '.mhtml']);

/** MIME types of active content. */
export const ACTIVE_MIMES: ReadonlySet<string> = new Set(['image/svg+xml', 'text/html', 'application/xhtml+xml']);

/** Known binary extensions → the file-type `ext` values their content may sniff as (.jpg ≡ .jpeg, .tif ≡ .tiff). */
export const SNIFF_EXTS_BY_EXT: Readonly<Record<string, readonly string[]>> = {
  '.pdf': ['pdf'],
  '.png': ['png', 'apng'],
  '.apng': ['apng', 'png'],
  '.jpg': ['jpg'],
  '.jpeg': ['jpg'],
  '.jpe': ['jpg'],
  '.jfif': ['jpg'],
  '.gif': ['gif'],
  '.webp': ['webp'],
  '.bmp': ['bmp'],
  '.tif': ['tif'],
  '.tiff': ['tif'],
  '.avif': ['avif'],
  '.heic': ['heic'],
  '.ico': ['ico'],
  '.docx': ['docx'],
  '.docm': ['docm'],
  '.xlsx': ['xlsx'],
  '.xlsm': ['xlsm'],
  '.xlsb': ['xlsb'],
  '.pptx': ['pptx'],
  '.pptm': ['pptm'],
  '.odt': ['odt'],
  '.ods': ['ods'],
  '.odp': ['odp'],
  '.odg': ['odg'],
  '.ott': ['ott'],
  '.ots': ['ots'],
  '.otp': ['otp'],
  '.otg': ['otg'],
  '.odb': ['odb'],
  '.odf': ['odf'],
  '.epub': ['epub'],
  // A compound file is what its root streams say (cfb-format.ts): a .doc must hold WordDocument.
  '.doc': ['doc'],
  '.dot': ['doc'],
  '.xls': ['xls'],
  '.xlt': ['xls'],
  '.ppt': ['ppt'],
  '.pot': ['ppt'],
  '.pps': ['ppt'],
  '.msg': ['msg'],
  '.rtf': ['rtf'],
  '.mp4': ['mp4', 'm4v'],
  '.m4v': ['m4v', 'mp4'],
  '.mov': ['mov', 'qt'],
  '.webm': ['webm'],
  '.mkv': ['mkv'],
  '.avi': ['avi'],
  '.mpg': ['mpg'],
  '.mpeg': ['mpg'],
  '.flv': ['flv'],
  '.wmv': ['asf'],
  '.asf': ['asf'],
  '.3gp': ['3gp', 'mp4'],
  '.mobi': ['mobi'],
  '.mp3': ['mp3'],
  '.m4a': ['m4a', 'mp4'],
  '.wav': ['wav'],
  '.flac': ['flac'],
  '.ogg': ['ogg', 'oga', 'opus'],
  '.oga': ['oga', 'ogg', 'opus'],
  '.opus': ['opus', 'ogg'],
  '.aac': ['aac'],
  '.amr': ['amr'],
  '.au': ['au'],
  '.snd': ['au'],
  '.pbm': ['pbm'],
  '.pgm': ['pgm'],
  '.ppm': ['ppm'],
  '.pnm': ['pbm', 'pgm', 'ppm'],
  '.pam': ['pam'],
  '.zip': ['zip'],
  // file-type looks inside a gzip for a tar: archive.tar.gz ends in .gz and is both.
  '.gz': ['gz', 'tar.gz'],
  '.tgz': ['tar.gz', 'gz'],
  '.tar': ['tar'],
  '.7z': ['7z'],
  '.xml': ['xml'],
  // MPEG transport streams share .ts/.mts with TypeScript; valid text stays TypeScript.
  '.ts': ['mts'],
  '.mts': ['mts'],
  '.m2ts': ['mts'],
  // Text formats file-type recognises by their first line: named so, they get their own type.
  '.ps': ['ps', 'eps'],
  '.eps': ['eps', 'ps'],
  '.ics': ['ics'],
  '.ical': ['ics'],
  '.vcf': ['vcf'],
  '.vcard': ['vcf'],
  '.vtt': ['vtt'],
  '.stl': ['stl'],
  '.pgp': ['pgp'],
  '.gpg': ['pgp'],
  '.asc': ['pgp'],
};

/** Zip-based documents a 64 KiB head may only show as "zip" (their manifest can sit further in). */
export const ZIP_CONTAINER_EXTS: ReadonlySet<string> = new Set(['.docx', '.xlsx', '.pptx', '.odt', '.ods', '.odp', '.epub']);

/** MIME to report when the sniff names only the container (zip, cfb) and the extension names the format. */
export const CONTAINER_MIME_BY_EXT: Readonly<Record<string, string>> = {
  '.docx': 'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
  '.xlsx': 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
  '.pptx': 'application/vnd.openxmlformats-officedocument.presentationml.presentation',
  '.odt': 'application/vnd.oasis.opendocument.text',
  '.ods': 'application/vnd.oasis.opendocument.spreadsheet',
  '.odp': 'application/vnd.oasis.opendocument.presentation',
  '.epub': 'application/epub+zip',
  '.doc': 'application/msword',
  '.xls': 'application/vnd.ms-excel',
  '.ppt': 'application/vnd.ms-powerpoint',
};
