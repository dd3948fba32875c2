/**
 * A second witness for MPEG audio and ADTS AAC. file-type's last-resort check calls any
 * content whose first 11 bits are set "mp3" (or mp1, mp2, aac): a Kodak PhotoCD image (2 KiB
 * of 0xFF), a raw bitmap or random data would pass for audio. Real streams are chains of
 * frames, each header giving the length of its frame, so the next header must sit right
 * where the previous frame ends.
 */

/** The sniffed types that rest on the frame sync alone. */
export const FRAME_SYNC_SNIFFS: ReadonlySet<string> = new Set(['mp1', 'mp2', 'mp3', 'aac']);

// Frames checked when the data holds that many: enough that chance alignment is negligible.
const FRAMES_TO_CHECK = 3;

// kbps by [MPEG-1?][layer 1..3][index 1..14].
const BITRATES: Readonly<Record<string, readonly number[]>> = {
  '1-1': [32, 64, 96, 128, 160, 192, 224, 256, 288, 320, 352, 384, 416, 448],
  '1-2': [32, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320, 384],
  '1-3': [32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320],
  '2-1': [32, 48, 56, 64, 80, 96, 112, 128, 144, 160, 176, 192, 224, 256],
  '2-2': [8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160],
  '2-3': [8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160],
};
const SAMPLE_RATES: Readonly<Record<number, readonly number[]>> = { 3: [44100, 48000, 32000], 2: [22050, 24000, 16000], 0: [11025, 12000, 8000] };

/** Length of the MPEG audio frame whose header is at `at`, or undefined when it is no valid header. */
export function mpegFrameLength(bytes: Buffer, at: number): number | undefined {
  if (at + 4 > bytes.length || bytes[at] !== 0xff || (bytes[at + 1]! & 0xe0) !== 0xe0) return undefined;
  const version = (bytes[at + 1]! >> 3) & 3;
  const layer = 4 - ((bytes[at + 1]! >> 1) & 3);
  const bitrateIndex = bytes[at + 2]! >> 4;
  const rateIndex = (bytes[at + 2]! >> 2) & 3;
  // Reserved version or layer, bad bitrate, reserved sample rate: not a frame.
  if (version === 1 || layer === 4 || bitrateIndex === 15 || rateIndex === 3) return undefined;
  if (bitrateIndex === 0) return freeFormatLength(bytes, at);
  const kbps = BITRATES[`${version === 3 ? 1 : 2}-${layer}`]![bitrateIndex - 1]!;
  const rate = SAMPLE_RATES[version]![rateIndex]!;
  const padding = (bytes[at + 2]! >> 1) & 1;
  if (layer === 1) return (Math.floor((12 * kbps * 1000) / rate) + padding) * 4;
  const perFrame = layer === 3 && version !== 3 ? 72 : 144;
  return Math.floor((perFrame * kbps * 1000) / rate) + padding;
}

// The largest free-format frame: 640 kbit/s (MPEG-1 Layer III's limit) at 32 kHz, padded.
const MAX_FREE_FRAME = 2881;

// A free-format stream (lame --freeformat) states no bitrate: its frame ends where the next
// header with the same version, layer, sample rate and "free" bitrate starts.
function freeFormatLength(bytes: Buffer, at: number): number | undefined {
  const end = Math.min(bytes.length - 3, at + MAX_FREE_FRAME + 1);
  for (let next = at + 4; next < end; next++) {
    if (bytes[next] === 0xff && bytes[next + 1] === bytes[at + 1] && (bytes[next + 2]! & 0xfc) === (bytes[at + 2]! & 0x0c)) return next - at;
  }
  return undefined;
}

/** Length of the ADTS (AAC) frame whose header is at `at`, or undefined when it is no valid header. */
export function adtsFrameLength(bytes: Buffer, at: number): number | undefined {
  if (at + 7 > bytes.length || bytes[at] !== 0xff || (bytes[at + 1]! & 0xf6) !== 0xf0) return undefined;
  if (((bytes[at + 2]! >> 2) & 0xf) > 12) return undefined;
  const length = ((bytes[at + 3]! & 3) << 11) | (bytes[at + 4]! << 3) | (bytes[at + 5]! >> 5);
  return length >= 7 ? length : undefined;
}

// What may follow the last frame: nothing, or an ID3v1/ID3v2/APE tag.
function endsCleanly(bytes: Buffer, at: number): boolean {
  if (at === bytes.length) return true;
  const tag = bytes.subarray(at, at + 8).toString('latin1');
  return tag.startsWith('TAG') || tag.startsWith('ID3') || tag === 'APETAGEX';
}

/**
 * Whether `bytes` (from the start of the audio) is a chain of frames of the sniffed kind:
 * FRAMES_TO_CHECK headers each where the last frame ended, or frames up to a clean end
 * when `complete` (the bytes are the whole file) and it is that short.
 */
export function framesAgree(bytes: Buffer, ext: string, complete: boolean): boolean {
  const lengthAt = ext === 'aac' ? adtsFrameLength : mpegFrameLength;
  let at = 0;
  for (let frame = 0; frame < FRAMES_TO_CHECK; frame++) {
    const length = lengthAt(bytes, at);
    if (length === undefined) return frame > 0 && complete && endsCleanly(bytes, at);
    at += length;
    // A head cut mid-stream: every frame that fitted agreed.
    if (at >= bytes.length) return frame > 0 || (complete ? at === bytes.length : true);
  }
  return true;
}
