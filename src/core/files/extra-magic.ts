/**
 * Formats file-type does not know that the corpus sweep met as "not a recognised format":
 * Sun/NeXT audio (.au, .snd) and binary Netpbm images (.pbm, .pgm, .ppm, .pam). Named, they
 * are judged by the allowlist like any other type (off by default; `--allow-mime` lets them in).
 */

/** A sniff answer in file-type's shape. */
export interface ExtraSniff {
  mime: string;
  ext: string;
}

// ".snd", then big-endian: data offset (≥ 24, the header), data size, encoding (1-27), rate, channels.
function sunAudio(head: Buffer): ExtraSniff | undefined {
  if (head.length < 24 || head.toString('latin1', 0, 4) !== '.snd') return undefined;
  const offset = head.readUInt32BE(4);
  const encoding = head.readUInt32BE(12);
  const channels = head.readUInt32BE(20);
  if (offset < 24 || encoding < 1 || encoding > 27 || channels < 1 || head.readUInt32BE(16) === 0) return undefined;
  return { mime: 'audio/basic', ext: 'au' };
}

const NETPBM: Readonly<Record<string, ExtraSniff>> = {
  P4: { mime: 'image/x-portable-bitmap', ext: 'pbm' },
  P5: { mime: 'image/x-portable-graymap', ext: 'pgm' },
  P6: { mime: 'image/x-portable-pixmap', ext: 'ppm' },
  P7: { mime: 'image/x-portable-arbitrarymap', ext: 'pam' },
};

// "P4"-"P7", whitespace, then a header of decimal numbers (P7: WIDTH/HEIGHT/… lines) before
// binary pixels. The ASCII variants (P1-P3) are text and stay text.
function netpbm(head: Buffer): ExtraSniff | undefined {
  const found = NETPBM[head.toString('latin1', 0, 2)];
  if (found === undefined || !/^P[4-7]\s/.test(head.toString('latin1', 0, 3))) return undefined;
  const header = head.toString('latin1', 0, Math.min(head.length, 512));
  const ok = found.ext === 'pam' ? /^P7\s[\s\S]*?WIDTH\s+\d+[\s\S]*?ENDHDR\n/.test(header) : /^P[456](?:\s+(?:#[^\n]*\n\s*)*\d+){2,3}\s/.test(header);
  return ok ? found : undefined;
}

/** The format of `head` among those file-type does not know, if any. */
export function extraMagic(head: Buffer): ExtraSniff | undefined {
  return sunAudio(head) ?? netpbm(head);
}
