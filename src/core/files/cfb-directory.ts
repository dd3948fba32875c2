/**
 * The directory of a Compound File Binary ([MS-CFB]): the root storage's CLSID and the names
 * of its children, read by following the directory's sector chain through the FAT, a few
 * sectors at a time. Our own reads rather than the `cfb` package: it parses the whole file
 * from a buffer (every FAT sector, every stream), and we need one chain from an open handle
 * under a byte budget. Every chain is bounded and checked for loops.
 */
import type { RandomSource } from './random-source.js';

/** The root's CLSID (lower-case GUID text) and its children's names. */
export type CfbDirectory = { rootClsid: string; rootChildren: string[] } | { error: string };

const SIGNATURE = Buffer.from('d0cf11e0a1b11ae1', 'hex');
const HEADER_BYTES = 512;
const ENTRY_BYTES = 128;
const END_OF_CHAIN = 0xfffffffe;
const NO_STREAM = 0xffffffff;
/** Directory sectors followed at most (4,096 entries with 512-byte sectors). */
const MAX_DIRECTORY_SECTORS = 1024;
const MAX_DIFAT_SECTORS = 256;

interface Header {
  sectorBytes: number;
  firstDirSector: number;
  firstDifatSector: number;
  difat: number[];
}

/** Read the root storage of the compound file in `source`. */
export async function readCfbDirectory(source: RandomSource): Promise<CfbDirectory> {
  const raw = await source.read(0, HEADER_BYTES);
  if (raw.length < HEADER_BYTES || !raw.subarray(0, 8).equals(SIGNATURE)) return { error: 'no compound file header' };
  const shift = raw.readUInt16LE(0x1e);
  if (shift !== 9 && shift !== 12) return { error: `an impossible sector size (2^${shift})` };
  const header: Header = { sectorBytes: 1 << shift, firstDirSector: raw.readUInt32LE(0x30), firstDifatSector: raw.readUInt32LE(0x44), difat: [] };
  for (let i = 0; i < 109; i++) header.difat.push(raw.readUInt32LE(0x4c + i * 4));
  const fat = new FatReader(source, header);
  const directory = await readChain(source, header, fat);
  if ('error' in directory) return directory;
  return rootOf(directory);
}

async function readChain(source: RandomSource, header: Header, fat: FatReader): Promise<Buffer | { error: string }> {
  const parts: Buffer[] = [];
  const seen = new Set<number>();
  for (let sector = header.firstDirSector; sector !== END_OF_CHAIN; sector = await fat.next(sector)) {
    if (sector > 0xfffffffa || seen.has(sector)) return { error: 'a broken or looping directory chain' };
    if (seen.size >= MAX_DIRECTORY_SECTORS) return { error: 'a directory longer than any document has' };
    seen.add(sector);
    const bytes = await source.read((sector + 1) * header.sectorBytes, header.sectorBytes);
    if (bytes.length < header.sectorBytes) return { error: 'a directory sector past the end of the file' };
    parts.push(bytes);
  }
  return Buffer.concat(parts);
}

// FAT sectors are fetched only when the chain needs one: a 100 MB file has ~800 KB of FAT.
class FatReader {
  private readonly sectors = new Map<number, Buffer>();
  private difatLoaded = false;
  constructor(
    private readonly source: RandomSource,
    private readonly header: Header,
  ) {}

  async next(sector: number): Promise<number> {
    const perSector = this.header.sectorBytes / 4;
    const index = Math.floor(sector / perSector);
    if (index >= this.header.difat.length && !this.difatLoaded) await this.loadDifat();
    const fatSector = this.header.difat[index];
    if (fatSector === undefined || fatSector >= 0xfffffffa) return NO_STREAM;
    let bytes = this.sectors.get(fatSector);
    if (bytes === undefined) {
      bytes = await this.source.read((fatSector + 1) * this.header.sectorBytes, this.header.sectorBytes);
      this.sectors.set(fatSector, bytes);
    }
    const at = (sector % perSector) * 4;
    return at + 4 <= bytes.length ? bytes.readUInt32LE(at) : NO_STREAM;
  }

  // DIFAT sectors past the header's 109 entries: each holds FAT sector numbers and the next DIFAT sector.
  private async loadDifat(): Promise<void> {
    this.difatLoaded = true;
    const perSector = this.header.sectorBytes / 4;
    const seen = new Set<number>();
    for (let sector = this.header.firstDifatSector; sector < 0xfffffffa && !seen.has(sector) && seen.size < MAX_DIFAT_SECTORS; ) {
      seen.add(sector);
      const bytes = await this.source.read((sector + 1) * this.header.sectorBytes, this.header.sectorBytes);
      if (bytes.length < this.header.sectorBytes) return;
      for (let i = 0; i < perSector - 1; i++) this.header.difat.push(bytes.readUInt32LE(i * 4));
      sector = bytes.readUInt32LE((perSector - 1) * 4);
    }
  }
}

function rootOf(directory: Buffer): CfbDirectory {
  const count = Math.floor(directory.length / ENTRY_BYTES);
  if (count === 0 || directory[0x42] !== 5) return { error: 'no root storage entry' };
  const rootClsid = guidText(directory.subarray(0x50, 0x60));
  const rootChildren: string[] = [];
  // The children form a red-black tree of left/right siblings under the root's child.
  const pending = [directory.readUInt32LE(0x4c)];
  const seen = new Set<number>();
  while (pending.length > 0) {
    const id = pending.pop() as number;
    if (id >= count || seen.has(id)) continue;
    seen.add(id);
    const entry = directory.subarray(id * ENTRY_BYTES, (id + 1) * ENTRY_BYTES);
    const nameBytes = Math.min(64, Math.max(0, entry.readUInt16LE(0x40) - 2));
    rootChildren.push(entry.toString('utf16le', 0, nameBytes - (nameBytes % 2)));
    pending.push(entry.readUInt32LE(0x44), entry.readUInt32LE(0x48));
  }
  return { rootClsid, rootChildren };
}

// A CLSID on disk is a GUID with its first three fields little-endian.
function guidText(bytes: Buffer): string {
  const hex = (buf: Buffer): string => buf.toString('hex');
  const le = (start: number, end: number): string => hex(Buffer.from(bytes.subarray(start, end)).reverse());
  return `${le(0, 4)}-${le(4, 6)}-${le(6, 8)}-${hex(bytes.subarray(8, 10))}-${hex(bytes.subarray(10, 16))}`;
}
