/**
 * Rules for what a zip's central directory declares: a bomb (by total or ratio, never by
 * unpacking it) and entry names that would land outside wherever it is unpacked.
 */
import { formatBytes } from '../units.js';
import { fail } from './rule-error.js';
import type { Rule } from './rules.js';

/** A zip declaring more than this unpacked is a bomb, whatever its ratio (1 GiB). */
export const DEFAULT_MAX_UNPACKED_SIZE = 1024 * 1024 * 1024;
/** Unpacked-to-packed ratio above which a zip is a bomb (real documents stay far below). */
export const MAX_UNPACK_RATIO = 100;
// Below this a high ratio is harmless (a few MiB of zeros), and tiny entries skew ratios.
const RATIO_FLOOR_BYTES = 16 * 1024 * 1024;

/** A zip that declares far more than it holds: by total (maxUnpackedSize) or by ratio. */
export const checkArchiveBomb: Rule = (facts, cfg) => {
  const zip = facts.content.container;
  if (zip === undefined) return undefined;
  const limit = cfg.maxUnpackedSize ?? DEFAULT_MAX_UNPACKED_SIZE;
  const hint = 'unpack and check it yourself; raise EXAI_MAX_UNPACKED_SIZE only for archives you trust';
  if (zip.tooManyEntries) return fail(facts, 'ARCHIVE_BOMB', 'the archive directory is larger than any document has (too many entries to read).', hint);
  const ratio = zip.declaredBytes / Math.max(1, zip.storedBytes);
  if (zip.declaredBytes > limit) return fail(facts, 'ARCHIVE_BOMB', `the archive declares ${formatBytes(zip.declaredBytes)} unpacked, over the ${formatBytes(limit)} limit.`, hint);
  if (zip.declaredBytes > RATIO_FLOOR_BYTES && ratio > MAX_UNPACK_RATIO) {
    return fail(facts, 'ARCHIVE_BOMB', `the archive declares ${formatBytes(zip.declaredBytes)} unpacked from ${formatBytes(zip.storedBytes)} (${Math.round(ratio)}:1, over ${MAX_UNPACK_RATIO}:1).`, hint);
  }
  return undefined;
};

/** Entries named `../x` or `/etc/x` would be written outside wherever the archive is unpacked. */
export const checkArchiveEntryNames: Rule = (facts) => {
  const names = facts.content.container?.unsafeNames ?? [];
  if (names.length === 0) return undefined;
  return fail(facts, 'UNSAFE_ARCHIVE_ENTRY', `the archive has entries that point outside it: ${names.map((n) => JSON.stringify(n)).join(', ')}.`, 'an archive from a trusted tool never has these; do not unpack it');
};

