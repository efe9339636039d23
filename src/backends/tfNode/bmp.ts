/**
 * BMP for tf.node: the uncompressed 24- and 32-bit BMPs that TensorFlow's DecodeBmp reads
 * (BGR(A) rows, bottom-up for a positive height and top-down for a negative one, each padded to 4
 * bytes), with a clear error for every other kind.
 */
import type { Pixels } from './pixels';

const COMPRESSION_NAMES: Record<number, string> = { 1: 'RLE8', 2: 'RLE4', 3: 'BITFIELDS', 4: 'JPEG', 5: 'PNG', 6: 'ALPHABITFIELDS' };

/** The header fields the decoder uses. */
interface BmpHeader {
  dataOffset: number;
  width: number;
  height: number;
  bitsPerPixel: number;
}

const unsupported = (fn: string, what: string) =>
  new Error(`${fn}: this BMP is ${what}, which is not supported: tf.node.decodeBmp reads uncompressed 24- and 32-bit BMPs, as tfjs-node does. Convert the image to PNG (or to a 24-bit BMP) and decode that.`);

function bmpHeader(fn: string, bytes: Uint8Array): BmpHeader {
  if (bytes.length < 54) throw new Error(`${fn}: the BMP data is truncated: its headers need 54 bytes, got ${bytes.length}. Check that the bytes are a whole .bmp file.`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const infoSize = view.getUint32(14, true);
  if (infoSize < 40) throw unsupported(fn, `an OS/2 bitmap (info header of ${infoSize} bytes)`);
  const header = { dataOffset: view.getUint32(10, true), width: view.getInt32(18, true), height: view.getInt32(22, true), bitsPerPixel: view.getUint16(28, true) };
  if (header.bitsPerPixel !== 24 && header.bitsPerPixel !== 32) {
    throw unsupported(fn, `${header.bitsPerPixel}-bit${header.bitsPerPixel <= 8 ? ' (with a palette)' : ''}`);
  }
  checkCompression(fn, view, header.bitsPerPixel);
  if (header.width <= 0 || header.height === 0) throw new Error(`${fn}: the BMP header says the image is ${header.width}×${Math.abs(header.height)}: it is corrupt.`);
  return header;
}

/** BI_RGB, or BI_BITFIELDS / BI_ALPHABITFIELDS with the plain BGRA masks (as many writers of 32-bit BMPs use). */
function checkCompression(fn: string, view: DataView, bitsPerPixel: number): void {
  const compression = view.getUint32(30, true);
  if (compression === 0) return;
  const plainMasks = view.byteLength >= 66 && view.getUint32(54, true) === 0xff0000 && view.getUint32(58, true) === 0xff00 && view.getUint32(62, true) === 0xff;
  if ((compression === 3 || compression === 6) && bitsPerPixel === 32 && plainMasks) return;
  throw unsupported(fn, `compressed (${COMPRESSION_NAMES[compression] ?? `compression ${compression}`}${compression === 3 || compression === 6 ? ' with other than BGRA masks' : ''})`);
}

/**
 * Decodes a BMP to `channels` (0: as stored, 3 for 24-bit, 4 for 32-bit; 3 drops alpha, 4 adds
 * alpha 255). A 32-bit BMP's fourth byte is alpha as stored, as TensorFlow reads it.
 */
export function decodeBmpPixels(fn: string, bytes: Uint8Array, channels: number): Pixels {
  const { dataOffset, width, height, bitsPerPixel } = bmpHeader(fn, bytes);
  const stored = bitsPerPixel / 8;
  const rows = Math.abs(height);
  const rowSize = Math.ceil((stored * width) / 4) * 4;
  const needed = dataOffset + (rows - 1) * rowSize + width * stored;
  if (needed > bytes.length) {
    throw new Error(`${fn}: the BMP data is truncated: a ${width}×${rows} ${bitsPerPixel}-bit image needs ${needed} bytes, got ${bytes.length}. Check that the file was read whole.`);
  }
  const out = channels || stored;
  const data = new Uint8Array(width * rows * out);
  for (let y = 0; y < rows; y++) {
    const src = dataOffset + (height > 0 ? rows - 1 - y : y) * rowSize;
    for (let x = 0; x < width; x++) {
      const s = src + x * stored;
      const d = (y * width + x) * out;
      [data[d], data[d + 1], data[d + 2]] = [bytes[s + 2], bytes[s + 1], bytes[s]];
      if (out === 4) data[d + 3] = stored === 4 ? bytes[s + 3] : 255;
    }
  }
  return { width, height: rows, channels: out, data };
}
