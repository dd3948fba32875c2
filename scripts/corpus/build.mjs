/**
 * Builds the real-world corpus for scripts/corpus-sweep.mjs out of what this machine has:
 * sampled files from /usr/share, Python's test data, LibreOffice, node_modules and /usr/bin,
 * plus files made with ImageMagick, sox, LibreOffice, Python and wixl (each skipped when the
 * tool is missing). Nothing here is a test; the corpus lives in /tmp and is never committed.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

const PER_EXT = 4;
const MAX_BYTES = 40 * 1024 * 1024;
const MAX_VISIT = 150_000;

/** Sample files under `root`: up to PER_EXT of each lower-case extension (and `limit` in all). */
function sample(root, { limit = 2000, filter = () => true } = {}) {
  const byExt = new Map();
  const out = [];
  const stack = [root];
  let visited = 0;
  while (stack.length > 0 && visited < MAX_VISIT && out.length < limit) {
    const dir = stack.pop();
    let entries;
    try {
      entries = fs.readdirSync(dir, { withFileTypes: true });
    } catch {
      continue;
    }
    for (const entry of entries) {
      visited++;
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) stack.push(full);
      if (!entry.isFile() || !filter(full)) continue;
      const ext = path.extname(entry.name).toLowerCase() || '(none)';
      const count = byExt.get(ext) ?? 0;
      if (count >= PER_EXT) continue;
      let size;
      try {
        size = fs.statSync(full).size;
      } catch {
        continue;
      }
      if (size === 0 || size > MAX_BYTES) continue;
      byExt.set(ext, count + 1);
      out.push(full);
    }
  }
  return out;
}

function copyInto(dir, files, tag) {
  fs.mkdirSync(dir, { recursive: true });
  files.forEach((file, i) => {
    const name = `${tag}${i}-${path.basename(file)}`;
    try {
      fs.copyFileSync(file, path.join(dir, name));
    } catch {
      // Unreadable system files are simply not part of the corpus.
    }
  });
}

function run(cmd, args, opts = {}) {
  const result = spawnSync(cmd, args, { stdio: 'ignore', timeout: 120_000, ...opts });
  return result.status === 0;
}

function has(cmd) {
  return spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0;
}

const IMAGE_FORMATS = ['png', 'jpg', 'gif', 'bmp', 'tiff', 'webp', 'ico', 'pnm', 'pgm', 'pbm', 'ppm', 'xpm', 'xbm', 'tga', 'pcx', 'psd', 'jp2', 'sgi', 'ras', 'fits', 'miff', 'pdf', 'eps', 'ps', 'svg', 'avif', 'heic', 'dds', 'dib', 'icns', 'hdr', 'exr', 'jxl', 'pam', 'pict', 'wbmp', 'xwd', 'cur', 'mng', 'otb', 'palm', 'pcd', 'viff', 'sun', 'tif', 'jpeg', 'apng', 'ptif', 'gif87'];

function makeImages(dir) {
  // /usr/local/bin/convert may be a stand-in: ImageMagick's own binary is in /usr/bin.
  const convert = fs.existsSync('/usr/bin/convert') ? '/usr/bin/convert' : undefined;
  if (convert === undefined) return;
  const source = path.join(dir, 'source.png');
  if (!run(convert, ['rose:', '-resize', '200x150', source])) return;
  for (const fmt of IMAGE_FORMATS) run(convert, [source, path.join(dir, `image.${fmt}`)]);
  // A TIFF whose image data comes before its first directory (the IFD far in).
  run(convert, ['-size', '400x400', 'plasma:', path.join(dir, 'plasma.tiff')]);
  run(convert, ['-size', '800x600', 'plasma:', '-quality', '95', path.join(dir, 'big.jpg')]);
}

const AUDIO_FORMATS = ['wav', 'aiff', 'aifc', 'au', 'flac', 'ogg', 'amr', 'voc', 'w64', 'caf', '8svx', 'avr', 'sph', 'wv', 'snd', 'gsm', 'mp3', 'opus', 'raw', 'ircam', 'maud', 'sf', 'txw', 'vox', 'xi', 'htk', 'prc', 'hcom', 'paf', 'nist'];

function makeAudio(dir) {
  if (!has('sox')) return;
  for (const fmt of AUDIO_FORMATS) {
    const rate = fmt === 'amr' || fmt === 'gsm' ? '8000' : '22050';
    run('sox', ['-n', '-r', rate, '-c', '1', path.join(dir, `tone.${fmt}`), 'synth', '1', 'sine', '440']);
  }
  // MP3 in the layouts real encoders write (Debian's lame; sox here has no MP3 writer).
  const wav = path.join(dir, 'tone.wav');
  if (!has('lame') || !fs.existsSync(wav)) return;
  const variants = { cbr: ['-b', '128'], vbr: ['-V', '2'], low: ['-b', '8', '--resample', '8'], mpeg2: ['-b', '32', '--resample', '22.05'], crc: ['-p'], free: ['--freeformat', '-b', '320'], tagged: ['--add-id3v2', '--pad-id3v2-size', '5000', '--tt', 'Tone'], v1: ['--id3v1-only', '--tt', 'Tone'] };
  for (const [name, opts] of Object.entries(variants)) run('lame', ['--quiet', ...opts, wav, path.join(dir, `lame-${name}.mp3`)]);
}

const OFFICE_TARGETS = {
  'report.odt': ['doc', 'docx', 'rtf', 'html', 'txt', 'pdf', 'epub', 'fodt', 'xml', 'docm', 'dot', 'ott', 'wps'],
  'sheet.ods': ['xls', 'xlsx', 'csv', 'html', 'pdf', 'fods', 'xlsm', 'ots', 'dif', 'slk'],
  'slides.odp': ['ppt', 'pptx', 'pdf', 'fodp', 'otp', 'pps', 'ppsx', 'svg', 'png'],
};

// LibreOffice's own templates (real documents with styles, images and tables) in other formats.
const TEMPLATE_TARGETS = { '.ott': ['docx', 'doc', 'odt', 'rtf'], '.ots': ['xlsx', 'xls', 'ods'], '.otp': ['pptx', 'ppt', 'odp', 'pdf'] };

function makeOffice(dir, repo) {
  if (!has('soffice')) return;
  const profile = path.join(dir, '.lo-profile');
  const convert = (fmt, inputs, outdir) => run('soffice', [`-env:UserInstallation=file://${profile}`, '--headless', '--convert-to', fmt, '--outdir', outdir, ...inputs], { timeout: 300_000 });
  for (const [source, formats] of Object.entries(OFFICE_TARGETS)) {
    for (const fmt of formats) convert(fmt, [path.join(repo, 'test/fixtures/office', source)], dir);
  }
  const templates = path.join(dir, 'templates');
  fs.mkdirSync(templates, { recursive: true });
  for (const [ext, formats] of Object.entries(TEMPLATE_TARGETS)) {
    const inputs = sample('/usr/lib/libreoffice/share/template', { limit: 5, filter: (f) => f.endsWith(ext) });
    for (const fmt of formats) if (inputs.length > 0) convert(fmt, inputs, templates);
  }
  fs.rmSync(profile, { recursive: true, force: true });
}

function makePython(dir, repo) {
  const script = path.join(repo, 'scripts/corpus/make-archives.py');
  run('python3', [script, dir, path.join(repo, 'test/fixtures/office')]);
}

function makeMsi(dir, repo) {
  if (!has('wixl')) return;
  const office = path.join(repo, 'test/fixtures/office');
  run('wixl', ['-o', path.join(dir, 'setup.msi'), path.join(office, 'app.wxs')], { cwd: office });
}

function pythonPath(key, sub = '') {
  try {
    return path.join(execFileSync('python3', ['-c', `import sysconfig;print(sysconfig.get_paths()["${key}"])`]).toString().trim(), sub);
  } catch {
    return undefined;
  }
}

/** Build the corpus under `root` (wiped first); returns the list of real (not renamed) files. */
export function buildCorpus(root, repo, log) {
  fs.rmSync(root, { recursive: true, force: true });
  const real = path.join(root, 'real');
  const sources = [
    ['share', '/usr/share', {}],
    ['lo', '/usr/lib/libreoffice', {}],
    ['pytest', pythonPath('stdlib', 'test'), {}],
    // Windows executables (setuptools' and pip's launchers) and any .wasm a package ships.
    ['pe', pythonPath('purelib'), { limit: 8, filter: (f) => f.endsWith('.exe') }],
    ['wasm', path.join(repo, 'node_modules'), { limit: 4, filter: (f) => f.endsWith('.wasm') }],
    ['node', path.join(repo, 'node_modules'), {}],
    ['bin', '/usr/bin', { limit: 40 }],
    ['cache', '/var/cache/apt/archives', { limit: 4 }],
  ];
  for (const [tag, dir, opts] of sources) {
    if (dir === undefined || !fs.existsSync(dir)) continue;
    const files = sample(dir, opts);
    log(`sampled ${files.length} files from ${dir}`);
    copyInto(path.join(real, tag), files, tag);
  }
  const made = path.join(real, 'made');
  fs.mkdirSync(made, { recursive: true });
  for (const [what, make] of [['images', makeImages], ['audio', makeAudio], ['python archives', makePython], ['msi', makeMsi], ['office', makeOffice]]) {
    log(`making ${what}`);
    make(made, repo);
  }
  return listFiles(real);
}

/** Every regular file under `dir`. */
export function listFiles(dir) {
  return fs.readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile() && !e.name.startsWith('.'))
    .map((e) => path.join(e.parentPath ?? e.path, e.name))
    .filter((p) => !p.includes('/.lo-profile/'));
}

const FUZZ_EXTS = new Set(['.doc', '.xls', '.ppt', '.msi', '.dot', '.docx', '.xlsx', '.pptx', '.odt', '.ods', '.odp', '.ott', '.epub', '.zip', '.jar', '.whl', '.tif', '.tiff', '.mp3', '.wav', '.png', '.pdf', '.flac', '.ogg', '.gif', '.jpg', '.webp', '.aiff', '.au']);

// A small deterministic PRNG, so a crash found once can be found again with the same seed.
function prng(seed) {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

/** Damaged copies of every structured file: flipped bytes near the start and the end (where directories live), and truncations. */
export function makeFuzz(root, real, perFile, seed = 1) {
  const dir = path.join(root, 'fuzz');
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(dir, { recursive: true });
  const rand = prng(seed);
  const out = [];
  for (const file of real) {
    const ext = path.extname(file).toLowerCase();
    if (!FUZZ_EXTS.has(ext)) continue;
    const bytes = fs.readFileSync(file);
    if (bytes.length < 16 || bytes.length > 4 * 1024 * 1024) continue;
    for (let i = 0; i < perFile; i++) {
      const copy = Buffer.from(i % 4 === 3 ? bytes.subarray(0, Math.floor(rand() * bytes.length)) : bytes);
      const flips = 1 + Math.floor(rand() * 8);
      for (let f = 0; f < flips && copy.length > 0 && i % 4 !== 3; f++) {
        // Half near the end (zip central directory, ID3v1, trailers), half near the start (headers, CFB directory sectors).
        const window = Math.min(copy.length, 4096);
        const at = rand() < 0.5 ? copy.length - 1 - Math.floor(rand() * window) : Math.floor(rand() * Math.min(copy.length, 8192));
        copy[at] = Math.floor(rand() * 256);
      }
      const target = path.join(dir, `f${out.length}${ext}`);
      fs.writeFileSync(target, copy);
      out.push(target);
    }
  }
  return out;
}
