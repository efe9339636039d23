/**
 * JPEG for tf.node: decoding with jpeg-js (plus the marker walk that tells components, Adobe
 * colour transform and truncation, which jpeg-js does not), encoding with jpeg-js (RGB) or
 * jpegGray.ts (grayscale), and the JFIF density and XMP metadata that libjpeg writes for tfjs-node.
 */
import { decode as jpegJsDecode, encode as jpegJsEncode } from 'jpeg-js';
import { encodeGrayJpeg } from './jpegGray';
import type { Pixels } from './pixels';

/** What the markers of a JPEG say, before any pixel is decoded. */
export interface JpegInfo {
  width: number;
  height: number;
  /** Components of the frame (1 grayscale, 3 YCbCr or RGB, 4 CMYK/YCCK); 0: no frame header. */
  components: number;
  /** The Adobe APP14 transform (0 none/RGB, 1 YCbCr, 2 YCCK), or null without that marker. */
  adobeTransform: number | null;
  /** Whether the end-of-image marker was reached: false for a truncated file. */
  complete: boolean;
}

/** Walks the markers of a JPEG (segments and entropy-coded scans) up to its end-of-image marker. */
export function jpegInfo(bytes: Uint8Array): JpegInfo {
  const info: JpegInfo = { width: 0, height: 0, components: 0, adobeTransform: null, complete: false };
  let i = 2;
  while (i + 1 < bytes.length) {
    if (bytes[i] !== 0xff || bytes[i + 1] === 0xff) {
      i++; // fill bytes, or stray bytes between segments (libjpeg skips them with a warning)
      continue;
    }
    const marker = bytes[i + 1];
    i += 2;
    if (marker === 0xd9) {
      info.complete = true;
      break;
    }
    if (marker === 0x01 || (marker >= 0xd0 && marker <= 0xd7)) continue; // markers without a segment
    const length = i + 2 <= bytes.length ? (bytes[i] << 8) | bytes[i + 1] : Infinity;
    if (i + length > bytes.length) break;
    readSegment(marker, bytes.subarray(i + 2, i + length), info);
    i = marker === 0xda ? endOfScan(bytes, i + length) : i + length;
  }
  return info;
}

function readSegment(marker: number, data: Uint8Array, info: JpegInfo): void {
  const isFrame = marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc;
  if (isFrame && data.length >= 6) {
    info.height = (data[1] << 8) | data[2];
    info.width = (data[3] << 8) | data[4];
    info.components = data[5];
  }
  if (marker === 0xee && data.length >= 12 && String.fromCharCode(...data.subarray(0, 5)) === 'Adobe') info.adobeTransform = data[11];
}

/** The index of the marker that ends the entropy-coded data starting at `i`, or the end of the bytes. */
function endOfScan(bytes: Uint8Array, i: number): number {
  while (i + 1 < bytes.length) {
    if (bytes[i] !== 0xff) i++;
    else if (bytes[i + 1] === 0x00 || (bytes[i + 1] >= 0xd0 && bytes[i + 1] <= 0xd7)) i += 2;
    else if (bytes[i + 1] === 0xff) i++;
    else return i;
  }
  return bytes.length;
}

/** How a JPEG is decoded (the JPEG-only arguments of tfjs-node's decodeJpeg that change the pixels). */
export interface JpegDecodeOptions {
  ratio: number;
  tryRecoverTruncated: boolean;
}

/**
 * Decodes a JPEG to `channels` (0: as stored, 1 gray, 3 RGB) 8-bit channels, downscaled by
 * `ratio`. A truncated file is an error unless `tryRecoverTruncated`, which puts an end-of-image
 * marker where the data stops, as libjpeg does. That recovers a file that lacks only its end; one
 * cut inside its image data is still an error here (jpeg-js stops at the marker, where libjpeg
 * would fill the missing rows).
 */
export function decodeJpegPixels(fn: string, bytes: Uint8Array, channels: number, options: JpegDecodeOptions): Pixels {
  const info = jpegInfo(bytes);
  if (info.components === 0) {
    throw new Error(`${fn}: the JPEG data has no frame header: it is truncated or not a JPEG image. Check that the bytes are a whole .jpg file.`);
  }
  if (!info.complete && !options.tryRecoverTruncated) {
    throw new Error(
      `${fn}: the JPEG data is truncated: it ends before its end-of-image marker (${bytes.length} bytes). ` +
        `Read the whole file (fs.readFileSync), or pass tryRecoverTruncated = true to decode what is there.`,
    );
  }
  const out = channels || (info.components === 1 ? 1 : 3);
  // jpeg-js hands back Y, Cb, Cr untransformed when told to, unless an Adobe marker forces the transform.
  const rawLuma = out === 1 && info.components === 3 && info.adobeTransform === null;
  const rgb = runJpegJs(fn, info.complete ? bytes : withEndMarker(bytes), rawLuma, info.complete);
  const pixels = out === 3 ? rgb : { ...rgb, channels: 1, data: rawLuma || info.components === 1 ? firstChannel(rgb.data) : luma(rgb.data) };
  return options.ratio > 1 ? downscale(pixels, options.ratio) : pixels;
}

function runJpegJs(fn: string, bytes: Uint8Array, rawLuma: boolean, complete: boolean): Pixels {
  try {
    const d = jpegJsDecode(bytes, { useTArray: true, formatAsRGBA: false, colorTransform: rawLuma ? false : undefined });
    return { width: d.width, height: d.height, channels: 3, data: d.data };
  } catch (err) {
    const why = complete
      ? 'the file is corrupt, or uses a JPEG kind the decoder lacks (12-bit, lossless or arithmetic-coded)'
      : `the file is truncated and its image data stops before the last row: such a file cannot be recovered without the native backend (npm install @tensorflow/tfjs-node, which fills the missing rows). Read the whole file`;
    throw new Error(`${fn}: the JPEG data could not be decoded (${(err as Error).message}): ${why}.`);
  }
}

function withEndMarker(bytes: Uint8Array): Uint8Array {
  const out = new Uint8Array(bytes.length + 2);
  out.set(bytes);
  out.set([0xff, 0xd9], bytes.length);
  return out;
}

function firstChannel(rgb: Uint8Array): Uint8Array {
  const out = new Uint8Array(rgb.length / 3);
  for (let i = 0; i < out.length; i++) out[i] = rgb[i * 3];
  return out;
}

/** libjpeg's RGB → grayscale (jccolor.c): 0.299 R + 0.587 G + 0.114 B, rounded. */
function luma(rgb: Uint8Array): Uint8Array {
  const out = new Uint8Array(rgb.length / 3);
  for (let i = 0; i < out.length; i++) out[i] = Math.round(0.299 * rgb[i * 3] + 0.587 * rgb[i * 3 + 1] + 0.114 * rgb[i * 3 + 2]);
  return out;
}

/**
 * Scales down by `ratio` as libjpeg's scaled decoding sizes it (ceil(width / ratio) ×
 * ceil(height / ratio)), each pixel the rounded mean of its ratio × ratio block.
 */
export function downscale(p: Pixels, ratio: number): Pixels {
  const width = Math.ceil(p.width / ratio);
  const height = Math.ceil(p.height / ratio);
  const data = new Uint8Array(width * height * p.channels);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      for (let c = 0; c < p.channels; c++) data[(y * width + x) * p.channels + c] = blockMean(p, x * ratio, y * ratio, ratio, c);
    }
  }
  return { width, height, channels: p.channels, data };
}

function blockMean(p: Pixels, x0: number, y0: number, size: number, c: number): number {
  let sum = 0;
  let n = 0;
  for (let y = y0; y < Math.min(y0 + size, p.height); y++) {
    for (let x = x0; x < Math.min(x0 + size, p.width); x++, n++) sum += p.data[(y * p.width + x) * p.channels + c];
  }
  return Math.round(sum / n);
}

/** What encodeJpeg writes besides the pixels. */
export interface JpegEncodeOptions {
  quality: number;
  densityUnit: 'in' | 'cm';
  xDensity: number;
  yDensity: number;
  xmpMetadata: string;
}

/** Encodes 1-channel pixels as a grayscale JPEG and 3-channel ones as a YCbCr JPEG (4:4:4). */
export function encodeJpegBytes(p: Pixels, options: JpegEncodeOptions): Uint8Array {
  const encoded = p.channels === 1 ? encodeGrayJpeg(p.data, p.width, p.height, options.quality) : encodeRgb(p, options.quality);
  setJfifDensity(encoded, options);
  return options.xmpMetadata ? withXmp(encoded, options.xmpMetadata) : encoded;
}

function encodeRgb(p: Pixels, quality: number): Uint8Array {
  const rgba = new Uint8Array(p.width * p.height * 4);
  for (let i = 0, j = 0; i < p.data.length; i += 3, j += 4) {
    rgba[j] = p.data[i];
    rgba[j + 1] = p.data[i + 1];
    rgba[j + 2] = p.data[i + 2];
    rgba[j + 3] = 255;
  }
  return new Uint8Array(jpegJsEncode({ data: rgba, width: p.width, height: p.height }, Math.max(1, quality)).data);
}

/** Sets the JFIF APP0 segment (right after SOI, as both encoders write it) to the density libjpeg would write. */
function setJfifDensity(jpeg: Uint8Array, options: JpegEncodeOptions): void {
  const isJfif = jpeg[2] === 0xff && jpeg[3] === 0xe0 && String.fromCharCode(...jpeg.subarray(6, 10)) === 'JFIF';
  if (!isJfif) throw new Error('encodeJpeg: internal error: the encoder did not write a JFIF header.');
  jpeg[13] = options.densityUnit === 'in' ? 1 : 2;
  jpeg.set([options.xDensity >> 8, options.xDensity & 0xff, options.yDensity >> 8, options.yDensity & 0xff], 14);
}

/** The XMP namespace header of an APP1 segment, as libjpeg-based writers (and TensorFlow) write it. */
const XMP_HEADER = 'http://ns.adobe.com/xap/1.0/\0';

/** Inserts an APP1 XMP segment after the JFIF APP0 segment. */
function withXmp(jpeg: Uint8Array, xmp: string): Uint8Array {
  const body = new TextEncoder().encode(XMP_HEADER + xmp);
  if (body.length + 2 > 0xffff) throw new Error(`encodeJpeg: xmpMetadata is too long for one JPEG segment (${body.length} bytes; at most ${0xffff - 2 - XMP_HEADER.length}).`);
  const app0End = 4 + ((jpeg[4] << 8) | jpeg[5]);
  const segment = new Uint8Array(4 + body.length);
  segment.set([0xff, 0xe1, (body.length + 2) >> 8, (body.length + 2) & 0xff]);
  segment.set(body, 4);
  const out = new Uint8Array(jpeg.length + segment.length);
  out.set(jpeg.subarray(0, app0End));
  out.set(segment, app0End);
  out.set(jpeg.subarray(app0End), app0End + segment.length);
  return out;
}
