/**
 * What the image codecs share: decoded 8-bit pixels, the input checks and the format sniffing of
 * tfjs-node's `getImageType` (by magic bytes, as TensorFlow's decode_image_op.cc).
 */

/** Decoded 8-bit pixels, row-major, `channels` values per pixel. */
export interface Pixels {
  width: number;
  height: number;
  channels: number;
  data: Uint8Array;
}

export type ImageFormat = 'jpeg' | 'png' | 'gif' | 'bmp';

/** The format of encoded image bytes, from their first bytes; null for none of the four. */
export function sniffFormat(bytes: Uint8Array): ImageFormat | null {
  const starts = (...magic: number[]) => bytes.length > magic.length && magic.every((b, i) => bytes[i] === b);
  if (starts(0xff, 0xd8, 0xff)) return 'jpeg';
  if (starts(0x47, 0x49, 0x46, 0x38)) return 'gif';
  if (starts(0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a)) return 'png';
  if (bytes.length > 3 && bytes[0] === 0x42 && bytes[1] === 0x4d) return 'bmp';
  return null;
}

/** The Error for bytes that are none of BMP, JPEG, PNG, GIF: what they start with and what to do. */
export function unknownFormatError(fn: string, bytes: Uint8Array): Error {
  const head = Array.from(bytes.subarray(0, 8), (b) => b.toString(16).padStart(2, '0')).join(' ');
  const text = String.fromCharCode(...Array.from(bytes.subarray(0, 8), (b) => (b >= 0x20 && b < 0x7f ? b : 0x2e)));
  const riff = bytes.length > 12 && text.startsWith('RIFF') && String.fromCharCode(...bytes.subarray(8, 12)) === 'WEBP';
  const what = riff ? 'a WebP image, which tf.node does not decode (tfjs-node 4.22 does not either): convert it to PNG or JPEG' : 'none of them: check that these are the bytes of an image file, read with fs.readFileSync(path), not text, HTML or a path';
  return new Error(`${fn}: expected an image (BMP, JPEG, PNG, or GIF), but got unsupported image type: the data starts with ${head} ("${text}"), ${what}.`);
}

/**
 * The encoded bytes a decoder was given, as a Uint8Array (a Buffer is one; an ArrayBuffer is
 * wrapped), or an Error that says what was passed instead.
 */
export function encodedBytes(fn: string, contents: unknown): Uint8Array {
  if (contents instanceof Uint8Array) {
    if (contents.length === 0) throw new Error(`${fn}: the image data is empty (0 bytes). Check that the file was read whole.`);
    return contents;
  }
  if (contents instanceof ArrayBuffer) return encodedBytes(fn, new Uint8Array(contents));
  if (typeof contents === 'string') {
    const shown = contents.length > 60 ? `${contents.slice(0, 57)}...` : contents;
    throw new Error(`${fn}: expected the encoded image as a Uint8Array or Buffer, but got a string ("${shown}"). Pass the file's bytes: ${fn}(fs.readFileSync(path)).`);
  }
  const kind = contents === null ? 'null' : Array.isArray(contents) ? 'an array' : typeof contents === 'object' ? `a ${contents.constructor?.name ?? 'object'}` : typeof contents;
  throw new Error(`${fn}: expected the encoded image as a Uint8Array or Buffer (e.g. fs.readFileSync(path)), but got ${kind}.`);
}

/** The channel counts tfjs-node accepts, with what each means. */
const CHANNEL_NAMES: Record<number, string> = { 0: '0 (as stored)', 1: '1 (grayscale)', 3: '3 (RGB)', 4: '4 (RGBA)' };

/** Throws unless `channels` is one of `allowed`, listing them. */
export function checkChannels(fn: string, channels: number, allowed: readonly number[], note = ''): void {
  if (allowed.includes(channels)) return;
  const list = allowed.map((c) => CHANNEL_NAMES[c] ?? String(c));
  const options = `${list.slice(0, -1).join(', ')} or ${list[list.length - 1]}`;
  throw new Error(`${fn}: channels must be ${options}${note}, but got ${String(channels)}.`);
}

/** Keeps the first `channels` of RGBA pixels: 3 drops alpha, 4 keeps it. */
export function fromRgba(rgba: Uint8Array, width: number, height: number, channels: 3 | 4): Pixels {
  if (channels === 4) return { width, height, channels, data: rgba };
  const data = new Uint8Array(width * height * 3);
  for (let i = 0, j = 0; j < data.length; i += 4, j += 3) {
    data[j] = rgba[i];
    data[j + 1] = rgba[i + 1];
    data[j + 2] = rgba[i + 2];
  }
  return { width, height, channels, data };
}
