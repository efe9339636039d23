/**
 * PNG for tf.node, with pngjs: decoding to the channels TensorFlow's png_io.cc gives (libpng's
 * transformations: alpha from tRNS, 16 → 8 bits by dropping the low byte, RGB → gray with
 * png_set_rgb_to_gray(0.299, 0.587) and, for files with gAMA or sRGB, libpng's gamma tables) and
 * encoding 1–4 channels as gray, gray+alpha, RGB, RGBA.
 */
import { PNG, type ColorType } from 'pngjs';
import type { Pixels } from './pixels';

/** What the header chunks say: IHDR's bit depth and colour type, tRNS, the file gamma (×100000; 0 unknown), sBIT's significant bits (0 none). */
interface PngHeader {
  bitDepth: number;
  colorType: number;
  hasTrns: boolean;
  gamma: number;
  significantBits: number;
}

const PALETTE = 3;
/** libpng's sRGB gamma (PNG_GAMMA_sRGB_INVERSE), taken when an sRGB chunk stands without gAMA. */
const SRGB_GAMMA = 45455;

/** Reads the chunks before the image data. */
function pngHeader(fn: string, bytes: Uint8Array): PngHeader {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const header: PngHeader = { bitDepth: 0, colorType: 0, hasTrns: false, gamma: 0, significantBits: 0 };
  let srgb = false;
  for (let i = 8; i + 8 <= bytes.length; ) {
    const length = view.getUint32(i);
    const type = String.fromCharCode(...bytes.subarray(i + 4, i + 8));
    if (type === 'IDAT' || type === 'IEND') break;
    if (i + 12 + length > bytes.length) break;
    if (type === 'IHDR') [header.bitDepth, header.colorType] = [bytes[i + 16], bytes[i + 17]];
    if (type === 'tRNS') header.hasTrns = true;
    if (type === 'gAMA') header.gamma = view.getUint32(i + 8);
    if (type === 'sRGB') srgb = true;
    if (type === 'sBIT') header.significantBits = header.colorType & 2 ? Math.max(bytes[i + 8], bytes[i + 9], bytes[i + 10]) : bytes[i + 8];
    i += 12 + length;
  }
  if (header.bitDepth === 0) throw new Error(`${fn}: the PNG data has no IHDR header: it is truncated or not a PNG image. Check that the bytes are a whole .png file.`);
  if (header.gamma === 0 && srgb) header.gamma = SRGB_GAMMA;
  return header;
}

/** The channels as stored, as png_io.cc counts them (a palette with tRNS has 4). */
function storedChannels(h: PngHeader): number {
  if (h.colorType === PALETTE) return h.hasTrns ? 4 : 3;
  return { 0: 1, 2: 3, 4: 2, 6: 4 }[h.colorType] ?? 4;
}

/**
 * Decodes a PNG to `channels` (0: as stored, which may be 2 for gray+alpha; 1, 3 or 4) 8-bit
 * channels.
 */
export function decodePngPixels(fn: string, bytes: Uint8Array, channels: number): Pixels {
  const header = pngHeader(fn, bytes);
  const sixteen = header.bitDepth === 16;
  let png: ReturnType<typeof PNG.sync.read>;
  try {
    png = PNG.sync.read(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength), { skipRescale: sixteen });
  } catch (err) {
    throw new Error(`${fn}: the PNG data is invalid or truncated (${(err as Error).message}). Check that the bytes are a whole .png file.`);
  }
  const rgba = png.data as unknown as ArrayLike<number> & { [i: number]: number };
  restoreTransparentColor(rgba, header, (png as unknown as { transColor?: number[] }).transColor);
  return convert(rgba, png.width, png.height, channels || storedChannels(header), header);
}

/**
 * pngjs blanks the pixels of a tRNS colour to 0,0,0,0; libpng keeps their colour and only makes
 * them transparent. They are the only pixels of a gray or RGB image with alpha 0.
 */
function restoreTransparentColor(rgba: { [i: number]: number; length: number }, h: PngHeader, transColor: number[] | undefined): void {
  if (!transColor || (h.colorType !== 0 && h.colorType !== 2)) return;
  const scale = (v: number) => (h.bitDepth < 8 ? Math.floor((v * 255) / (2 ** h.bitDepth - 1) + 0.5) : v);
  const [r, g, b] = transColor.length === 1 ? [transColor[0], transColor[0], transColor[0]] : transColor;
  for (let i = 0; i < rgba.length; i += 4) {
    if (rgba[i + 3] === 0) [rgba[i], rgba[i + 1], rgba[i + 2]] = [scale(r), scale(g), scale(b)];
  }
}

function convert(rgba: ArrayLike<number>, width: number, height: number, channels: number, h: PngHeader): Pixels {
  const toGray = (h.colorType & 2) === 0 ? (r: number) => r : grayConverter(h);
  const narrow = h.bitDepth === 16 ? (v: number) => v >> 8 : (v: number) => v;
  const alpha = addedAlpha(h);
  const data = new Uint8Array(width * height * channels);
  for (let p = 0, k = 0; p < width * height; p++) {
    const [r, g, b, a] = [rgba[p * 4], rgba[p * 4 + 1], rgba[p * 4 + 2], rgba[p * 4 + 3]];
    if (channels <= 2) data[k++] = narrow(toGray(r, g, b));
    else [data[k++], data[k++], data[k++]] = [narrow(r), narrow(g), narrow(b)];
    if (channels === 2 || channels === 4) data[k++] = alpha ?? narrow(a);
  }
  return { width, height, channels, data };
}

/**
 * The alpha png_io.cc adds to a PNG without alpha or tRNS: png_set_add_alpha with the filler
 * (1 << bit depth) - 1, which libpng writes as is after expanding to 8 bits, so 1-, 2- and 4-bit
 * images get alpha 1, 3 and 15 (sic: TensorFlow's behaviour, kept so the pixels match tfjs-node's).
 * Null: the alpha is the image's own (or 255 / 65535).
 */
function addedAlpha(h: PngHeader): number | null {
  const ownAlpha = (h.colorType & 4) !== 0 || h.hasTrns;
  return ownAlpha || h.bitDepth >= 8 ? null : (1 << h.bitDepth) - 1;
}

/** png_set_rgb_to_gray(png, 1, 0.299, 0.587) as libpng stores it: 15-bit fixed-point weights. */
const RED = Math.floor((29900 * 32768) / 100000);
const GREEN = Math.floor((58700 * 32768) / 100000);
const BLUE = 32768 - RED - GREEN;

/** libpng's png_do_rgb_to_gray for this file: plain (truncating for 8 bits, rounding for 16) or through gamma tables. */
function grayConverter(h: PngHeader): (r: number, g: number, b: number) => number {
  if (h.bitDepth === 16) return gray16Converter(h);
  const tables = gammaTables(h.gamma);
  if (!tables) return (r, g, b) => (r === g && g === b ? r : (RED * r + GREEN * g + BLUE * b) >> 15);
  const { direct, toLinear, fromLinear } = tables;
  return (r, g, b) => (r === g && g === b ? direct[r] : fromLinear[(RED * toLinear[r] + GREEN * toLinear[g] + BLUE * toLinear[b] + 16384) >> 15]);
}

/** png_gamma_significant: a fixed-point gamma more than 5% away from 1. */
const significant = (gamma: number) => gamma < 95000 || gamma > 105000;
/** png_reciprocal and png_reciprocal2 on fixed-point (×100000) gammas. */
const reciprocal = (a: number) => Math.floor(1e10 / a + 0.5);
const reciprocal2 = (a: number, b: number) => Math.floor(1e15 / a / b + 0.5);

/**
 * The 8-bit tables libpng builds (png_build_gamma_table) when a file with a significant gamma is
 * turned gray; the screen gamma is the file's reciprocal, libpng's default. Null: no tables.
 */
function gammaTables(fileGamma: number): { direct: Uint8Array; toLinear: Uint8Array; fromLinear: Uint8Array } | null {
  if (fileGamma <= 0) return null;
  const screenGamma = reciprocal(fileGamma);
  if (!significant(fileGamma) && !significant(screenGamma)) return null;
  const table = (gamma: number) =>
    Uint8Array.from({ length: 256 }, (_, i) => (!significant(gamma) || i === 0 || i === 255 ? i : Math.floor(255 * Math.pow(i / 255, gamma * 1e-5) + 0.5)));
  return { direct: table(reciprocal2(fileGamma, screenGamma)), toLinear: table(reciprocal(fileGamma)), fromLinear: table(reciprocal(screenGamma)) };
}

/**
 * The 16-bit png_do_rgb_to_gray (before the low byte is dropped): plain and rounded, or, for a
 * significant gamma, through libpng's 16-bit tables, which png_set_strip_16 makes coarser (the
 * gamma shift is at least 5 bits, more when sBIT says fewer bits are significant).
 */
function gray16Converter(h: PngHeader): (r: number, g: number, b: number) => number {
  const weighted = (r: number, g: number, b: number) => Math.floor((RED * r + GREEN * g + BLUE * b + 16384) / 32768);
  const screenGamma = h.gamma > 0 ? reciprocal(h.gamma) : 0;
  if (h.gamma <= 0 || (!significant(h.gamma) && !significant(screenGamma))) return weighted;
  const fromSbit = h.significantBits > 0 && h.significantBits < 16 ? 16 - h.significantBits : 0;
  const shift = Math.min(Math.max(fromSbit, 5), 8);
  const toLinear = table16(shift, reciprocal(h.gamma));
  const fromLinear = table16(shift, reciprocal(screenGamma));
  const direct = table16to8(shift, Math.floor(h.gamma * 1e-5 * screenGamma + 0.5));
  return (r, g, b) => (r === g && g === b ? direct[r >> shift] : fromLinear[weighted(toLinear[r >> shift], toLinear[g >> shift], toLinear[b >> shift]) >> shift]);
}

/** png_build_16bit_table, flattened: entry i is the corrected value of the 16-bit input i << shift. */
function table16(shift: number, gamma: number): Uint16Array {
  const max = 2 ** (16 - shift) - 1;
  const maxBy2 = 2 ** (15 - shift);
  return Uint16Array.from({ length: max + 1 }, (_, ig) =>
    significant(gamma) ? Math.floor(65535 * Math.pow(ig / max, gamma * 1e-5) + 0.5) : shift !== 0 ? Math.floor((ig * 65535 + maxBy2) / max) : ig,
  );
}

/** png_build_16to8_table, flattened: 16-bit inputs (>> shift) to outputs that are multiples of 257. */
function table16to8(shift: number, gamma: number): Uint16Array {
  const size = 2 ** (16 - shift);
  const table = new Uint16Array(size).fill(65535);
  const correct = (v: number) => (v > 0 && v < 65535 ? Math.floor(65535 * Math.pow(v / 65535, gamma * 1e-5) + 0.5) : v);
  for (let i = 0, last = 0; i < 255; i++) {
    const bound = Math.floor((correct(i * 257 + 128) * (size - 1) + 32768) / 65535) + 1;
    for (; last < bound && last < size; last++) table[last] = i * 257;
  }
  return table;
}

/** pngjs colour types for 1–4 channels: gray, gray+alpha, RGB, RGBA. */
const COLOR_TYPES: Record<number, ColorType> = { 1: 0, 2: 4, 3: 2, 4: 6 };

/**
 * Encodes 8-bit pixels of 1–4 channels as an 8-bit PNG of the matching colour type.
 *
 * @param compression zlib level 0–9, or -1 for zlib's default.
 */
export function encodePngBytes(p: Pixels, compression: number): Uint8Array {
  const colorType = COLOR_TYPES[p.channels];
  const png = { width: p.width, height: p.height, data: Buffer.from(p.data.buffer, p.data.byteOffset, p.data.byteLength) } as unknown as PNG;
  const options = { colorType, inputColorType: colorType, inputHasAlpha: p.channels % 2 === 0, bitDepth: 8 as const, deflateLevel: compression < 0 ? 6 : compression };
  return new Uint8Array(PNG.sync.write(png, options));
}
