/**
 * tf.node's image functions without libtensorflow: images made here with pngjs, jpeg-js, omggif
 * and a BMP written byte by byte decode to the shapes, dtypes and pixels tfjs-node gives; the
 * encoders round-trip; bad input says what is wrong.
 */
import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { deflateSync } from 'node:zlib';
import * as tf from '@tensorflow/tfjs';
import { decode as jpegJsDecode, encode as jpegJsEncode } from 'jpeg-js';
import { GifWriter } from 'omggif';
import { PNG, type ColorType } from 'pngjs';
import { createTfNode } from './index';

const node = createTfNode(tf, { notebookDir: process.cwd() });

before(async () => {
  await tf.setBackend('cpu');
  await tf.ready();
});

/** Shape, dtype and values of a tensor, which is disposed. */
function read(t: tf.Tensor): { shape: number[]; dtype: string; values: number[] } {
  const out = { shape: t.shape.slice(), dtype: t.dtype, values: Array.from(t.dataSync()) };
  t.dispose();
  return out;
}

/** Deterministic bytes 0–255. */
function bytes(n: number, seed: number): Uint8Array {
  let s = seed >>> 0;
  return Uint8Array.from({ length: n }, () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s >>> 24;
  });
}

/** A smooth RGB image (JPEG-friendly): gradients and a soft blob. */
function smoothRgb(width: number, height: number): Uint8Array {
  const out = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = (y * width + x) * 3;
      const blob = 80 * Math.exp(-((x - width / 2) ** 2 + (y - height / 2) ** 2) / (width * height * 0.05));
      out[i] = Math.round((255 * x) / (width - 1));
      out[i + 1] = Math.round((255 * y) / (height - 1));
      out[i + 2] = Math.round(60 + blob);
    }
  }
  return out;
}

/** Keeps or interleaves channels: `pick(rgb, 3, [0])` is the red channel. */
function pick(data: Uint8Array, stride: number, channels: number[], extra?: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < data.length; i += stride) {
    for (const c of channels) out.push(data[i + c]);
    if (extra !== undefined) out.push(extra);
  }
  return out;
}

function pngOf(data: Uint8Array, width: number, height: number, colorType: ColorType, bitDepth: 8 | 16 = 8): Uint8Array {
  const buffer = bitDepth === 16 ? Buffer.from(new Uint16Array(data.buffer, data.byteOffset, data.byteLength / 2).buffer) : Buffer.from(data);
  const png = { width, height, data: buffer } as unknown as PNG;
  return new Uint8Array(PNG.sync.write(png, { colorType, inputColorType: colorType, inputHasAlpha: colorType === 4 || colorType === 6, bitDepth }));
}

/**
 * libpng's png_set_rgb_to_gray(0.299, 0.587) without gamma, as TensorFlow's png_io.cc asks it:
 * weights floor(0.299 · 32768), floor(0.587 · 32768) and the rest of 32768, result rounded down.
 */
function pngGray(r: number, g: number, b: number): number {
  return (9797 * r + 19234 * g + 3737 * b) >> 15;
}

/** CRC-32 (PNG's), to hand-make PNG chunks pngjs cannot write (palettes). */
function crc32(data: Uint8Array): number {
  let c = 0xffffffff;
  for (const b of data) {
    c ^= b;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0xedb88320 : c >>> 1;
  }
  return (c ^ 0xffffffff) >>> 0;
}

function chunk(type: string, data: Uint8Array): Uint8Array {
  const out = new Uint8Array(12 + data.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, data.length);
  out.set(Buffer.from(type, 'latin1'), 4);
  out.set(data, 8);
  view.setUint32(8 + data.length, crc32(out.subarray(4, 8 + data.length)));
  return out;
}

/** An 8-bit palette PNG, with tRNS alphas when given. */
function palettePng(width: number, height: number, palette: number[][], indices: number[], alphas?: number[]): Uint8Array {
  const ihdr = new Uint8Array(13);
  new DataView(ihdr.buffer).setUint32(0, width);
  new DataView(ihdr.buffer).setUint32(4, height);
  ihdr.set([8, 3, 0, 0, 0], 8);
  const raw: number[] = [];
  for (let y = 0; y < height; y++) raw.push(0, ...indices.slice(y * width, (y + 1) * width));
  const parts = [Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk('IHDR', ihdr), chunk('PLTE', Uint8Array.from(palette.flat()))];
  if (alphas) parts.push(chunk('tRNS', Uint8Array.from(alphas)));
  parts.push(chunk('IDAT', deflateSync(Uint8Array.from(raw))), chunk('IEND', new Uint8Array(0)));
  return Buffer.concat(parts);
}

/** A BMP written byte by byte: `rgba` top row first; rows stored bottom-up unless `topDown`. */
function bmpOf(width: number, height: number, bitsPerPixel: 24 | 32, rgba: Uint8Array, topDown = false, compression = 0): Uint8Array {
  const stored = bitsPerPixel / 8;
  const rowSize = Math.ceil((width * stored) / 4) * 4;
  const out = new Uint8Array(54 + rowSize * height);
  const view = new DataView(out.buffer);
  out.set([0x42, 0x4d]);
  view.setUint32(2, out.length, true);
  view.setUint32(10, 54, true);
  view.setUint32(14, 40, true);
  view.setInt32(18, width, true);
  view.setInt32(22, topDown ? -height : height, true);
  view.setUint16(26, 1, true);
  view.setUint16(28, bitsPerPixel, true);
  view.setUint32(30, compression, true);
  view.setUint32(34, rowSize * height, true);
  for (let row = 0; row < height; row++) {
    const y = topDown ? row : height - 1 - row;
    for (let x = 0; x < width; x++) {
      const s = (y * width + x) * 4;
      const d = 54 + row * rowSize + x * stored;
      out.set(stored === 4 ? [rgba[s + 2], rgba[s + 1], rgba[s], rgba[s + 3]] : [rgba[s + 2], rgba[s + 1], rgba[s]], d);
    }
  }
  return out;
}

/** A GIF of 4×3 with a 4-colour palette: frame 0 uses index 3 as transparent; frame 1 is different. */
const GIF_PALETTE = [0xff0000, 0x00ff00, 0x0000ff, 0xffffff];
const GIF_FRAME0 = [0, 1, 2, 3, 1, 2, 3, 0, 2, 3, 0, 1];
function gifOf(frames: number[][], transparent?: number): Uint8Array {
  const buf = new Uint8Array(4096);
  const writer = new GifWriter(buf, 4, 3, { palette: GIF_PALETTE, loop: 0 });
  for (const f of frames) writer.addFrame(0, 0, 4, 3, f, transparent === undefined ? {} : { transparent });
  return buf.slice(0, writer.end());
}
const rgbOfIndex = (i: number) => [(GIF_PALETTE[i] >> 16) & 255, (GIF_PALETTE[i] >> 8) & 255, GIF_PALETTE[i] & 255];

function meanAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): { mean: number; max: number } {
  assert.equal(a.length, b.length, 'same number of values');
  let sum = 0;
  let max = 0;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs(a[i] - b[i]);
    sum += d;
    max = Math.max(max, d);
  }
  return { mean: sum / a.length, max };
}

describe('decodePng', () => {
  const [w, h] = [5, 3];
  const rgba = bytes(w * h * 4, 1);

  test('an RGBA PNG decodes as stored to int32 [h, w, 4], pixel for pixel', () => {
    const r = read(node.decodePng(pngOf(rgba, w, h, 6)));
    assert.deepEqual(r.shape, [h, w, 4]);
    assert.equal(r.dtype, 'int32');
    assert.deepEqual(r.values, Array.from(rgba));
  });

  test('channels 3 drops alpha, channels 1 is libpng\'s gray (0.299, 0.587, rounded down)', () => {
    const png = pngOf(rgba, w, h, 6);
    assert.deepEqual(read(node.decodePng(png, 3)).values, pick(rgba, 4, [0, 1, 2]));
    const gray = read(node.decodePng(png, 1));
    assert.deepEqual(gray.shape, [h, w, 1]);
    const expected: number[] = [];
    for (let i = 0; i < rgba.length; i += 4) expected.push(pngGray(rgba[i], rgba[i + 1], rgba[i + 2]));
    assert.deepEqual(gray.values, expected);
  });

  test('a gray PNG decodes to 1 channel; 3 repeats it; 4 adds alpha 255', () => {
    const gray = bytes(w * h, 2);
    const png = pngOf(gray, w, h, 0);
    const one = read(node.decodePng(png));
    assert.deepEqual(one.shape, [h, w, 1]);
    assert.deepEqual(one.values, Array.from(gray));
    assert.deepEqual(read(node.decodePng(png, 3)).values, pick(gray, 1, [0, 0, 0]));
    assert.deepEqual(read(node.decodePng(png, 4)).values, pick(gray, 1, [0, 0, 0], 255));
  });

  test('gray+alpha decodes to 2 channels as stored, RGB to 3, and RGB with channels 4 gets alpha 255', () => {
    const ga = bytes(w * h * 2, 3);
    const r = read(node.decodePng(pngOf(ga, w, h, 4)));
    assert.deepEqual(r.shape, [h, w, 2]);
    assert.deepEqual(r.values, Array.from(ga));
    const rgb = bytes(w * h * 3, 4);
    const png = pngOf(rgb, w, h, 2);
    assert.deepEqual(read(node.decodePng(png)).shape, [h, w, 3]);
    assert.deepEqual(read(node.decodePng(png, 4)).values, pick(rgb, 3, [0, 1, 2], 255));
  });

  test('a 16-bit PNG gives the high byte of each sample, as TensorFlow strips 16 to 8 bits', () => {
    const samples = Uint16Array.from(bytes(w * h * 3 * 2, 5).filter((_, i) => i % 2 === 0), (v, i) => v * 256 + ((i * 37) & 255));
    const r = read(node.decodePng(pngOf(new Uint8Array(samples.buffer), w, h, 2, 16)));
    assert.deepEqual(r.shape, [h, w, 3]);
    assert.deepEqual(r.values, Array.from(samples, (v) => v >> 8));
  });

  test('a palette PNG decodes to RGB, and to RGBA when it has transparency (tRNS)', () => {
    const palette = [
      [10, 20, 30],
      [200, 100, 0],
      [0, 255, 128],
    ];
    const indices = [0, 1, 2, 2, 1, 0];
    const rgb = read(node.decodePng(palettePng(3, 2, palette, indices)));
    assert.deepEqual(rgb.shape, [2, 3, 3]);
    assert.deepEqual(rgb.values, indices.flatMap((i) => palette[i]));
    const rgba = read(node.decodePng(palettePng(3, 2, palette, indices, [255, 0, 128])));
    assert.deepEqual(rgba.shape, [2, 3, 4]);
    assert.deepEqual(rgba.values, indices.flatMap((i) => [...palette[i], [255, 0, 128][i]]));
  });

  test('a truncated PNG, or bytes that are not a PNG, throw what is wrong', () => {
    const png = pngOf(rgba, w, h, 6);
    assert.throws(() => node.decodePng(png.subarray(0, png.length - 30)), /decodePng: the PNG data is invalid or truncated/);
    assert.throws(() => node.decodePng(Buffer.from('<!DOCTYPE html><html>')), /unsupported image type: the data starts with 3c 21 44 4f.*"<!DOCTYP"/);
    assert.throws(() => node.decodePng(png, 2), /decodePng: channels must be 0 \(as stored\), 1 \(grayscale\), 3 \(RGB\) or 4 \(RGBA\), but got 2/);
    assert.throws(() => node.decodePng(png, 0, 'float32'), /int32/);
  });
});

describe('decodeJpeg', () => {
  const [w, h] = [40, 24];
  const rgb = smoothRgb(w, h);
  const rgba = Uint8Array.from(pick(rgb, 3, [0, 1, 2], 255));
  const jpeg = new Uint8Array(jpegJsEncode({ data: rgba, width: w, height: h }, 95).data);

  test('an RGB JPEG decodes to int32 [h, w, 3] close to the original pixels', () => {
    const r = read(node.decodeJpeg(jpeg));
    assert.deepEqual(r.shape, [h, w, 3]);
    assert.equal(r.dtype, 'int32');
    const d = meanAbsDiff(r.values, rgb);
    assert.ok(d.mean < 2 && d.max < 16, `mean ${d.mean}, max ${d.max}`);
  });

  test('channels 1 is the luma (0.299 R + 0.587 G + 0.114 B) of the original, within JPEG error', () => {
    const r = read(node.decodeJpeg(jpeg, 1));
    assert.deepEqual(r.shape, [h, w, 1]);
    const luma: number[] = [];
    for (let i = 0; i < rgb.length; i += 3) luma.push(0.299 * rgb[i] + 0.587 * rgb[i + 1] + 0.114 * rgb[i + 2]);
    const d = meanAbsDiff(r.values, luma);
    assert.ok(d.mean < 1.5 && d.max < 8, `mean ${d.mean}, max ${d.max}`);
  });

  test('ratio 2 and 8 downscale to ceil(h / ratio) × ceil(w / ratio), each pixel about the mean of its block', () => {
    const full = read(node.decodeJpeg(jpeg)).values;
    const half = read(node.decodeJpeg(jpeg, 0, 2));
    assert.deepEqual(half.shape, [12, 20, 3]);
    const blockMean = (x: number, y: number, c: number) => (full[(y * w + x) * 3 + c] + full[(y * w + x + 1) * 3 + c] + full[((y + 1) * w + x) * 3 + c] + full[((y + 1) * w + x + 1) * 3 + c]) / 4;
    const expected = half.values.map((_, i) => blockMean((Math.floor(i / 3) % 20) * 2, Math.floor(i / 60) * 2, i % 3));
    assert.ok(meanAbsDiff(half.values, expected).max <= 0.5);
    assert.deepEqual(read(node.decodeJpeg(jpeg, 3, 8)).shape, [3, 5, 3]);
  });

  test('a grayscale JPEG decodes to 1 channel as stored, 3 when asked', async () => {
    const gray = Uint8Array.from(pick(rgb, 3, [1]));
    const image = tf.tensor3d(Int32Array.from(gray), [h, w, 1], 'int32');
    const grayJpeg = await node.encodeJpeg(image);
    image.dispose();
    const encoded = read(node.decodeJpeg(grayJpeg));
    assert.deepEqual(encoded.shape, [h, w, 1]);
    assert.ok(meanAbsDiff(encoded.values, gray).mean < 1.5);
    const three = read(node.decodeJpeg(grayJpeg, 3));
    assert.deepEqual(three.shape, [h, w, 3]);
    assert.deepEqual(three.values, encoded.values.flatMap((v) => [v, v, v]));
  });

  test('a truncated JPEG is an error that says so; without only its end marker it decodes with tryRecoverTruncated', () => {
    const noEnd = jpeg.subarray(0, jpeg.length - 2);
    assert.throws(() => node.decodeJpeg(noEnd), /decodeJpeg: the JPEG data is truncated: it ends before its end-of-image marker.*tryRecoverTruncated = true/);
    assert.deepEqual(read(node.decodeJpeg(noEnd, 0, 1, true, true)), read(node.decodeJpeg(jpeg)));
    const cut = jpeg.subarray(0, Math.floor(jpeg.length * 0.8));
    assert.throws(() => node.decodeJpeg(cut), /the JPEG data is truncated/);
    assert.throws(() => node.decodeJpeg(cut, 0, 1, true, true), /its image data stops .*cannot be recovered without the native backend.*npm install @tensorflow\/tfjs-node/);
  });

  test('4 channels, a bad ratio or dctMethod are errors naming what is allowed', () => {
    assert.throws(() => node.decodeJpeg(jpeg, 4), /JPEG does not support 4 channels/);
    assert.throws(() => node.decodeJpeg(jpeg, 0, 3), /ratio must be 1, 2, 4, or 8, got 3/);
    assert.throws(() => node.decodeJpeg(jpeg, 0, 1, true, false, 1, 'FLOAT'), /dctMethod must be one of '', 'INTEGER_FAST', 'INTEGER_ACCURATE'/);
  });

  test('as in TensorFlow, decodeJpeg also decodes a PNG, and decodePng a JPEG', () => {
    const png = pngOf(bytes(6 * 4 * 3, 9), 6, 4, 2);
    assert.deepEqual(read(node.decodeJpeg(png)), read(node.decodePng(png)));
    assert.deepEqual(read(node.decodePng(jpeg)), read(node.decodeJpeg(jpeg)));
  });
});

describe('decodeBmp', () => {
  test('a 24-bit bottom-up BMP with row padding decodes to RGB [h, w, 3], pixel for pixel', () => {
    const [w, h] = [5, 3];
    const rgba = bytes(w * h * 4, 11);
    const r = read(node.decodeBmp(bmpOf(w, h, 24, rgba)));
    assert.deepEqual(r.shape, [h, w, 3]);
    assert.equal(r.dtype, 'int32');
    assert.deepEqual(r.values, pick(rgba, 4, [0, 1, 2]));
    assert.deepEqual(read(node.decodeBmp(bmpOf(w, h, 24, rgba), 4)).values, pick(rgba, 4, [0, 1, 2], 255));
  });

  test('a 32-bit top-down BMP decodes to RGBA as stored, and to RGB with channels 3', () => {
    const [w, h] = [3, 4];
    const rgba = bytes(w * h * 4, 12);
    const bmp = bmpOf(w, h, 32, rgba, true);
    const r = read(node.decodeBmp(bmp));
    assert.deepEqual(r.shape, [h, w, 4]);
    assert.deepEqual(r.values, Array.from(rgba));
    assert.deepEqual(read(node.decodeBmp(bmp, 3)).values, pick(rgba, 4, [0, 1, 2]));
  });

  test('other BMP kinds, truncated data and channels 1 are errors that say what to do', () => {
    const rgba = bytes(4 * 2 * 4, 13);
    const rle = bmpOf(4, 2, 24, rgba, false, 1);
    assert.throws(() => node.decodeBmp(rle), /this BMP is compressed \(RLE8\), which is not supported.*Convert the image to PNG/);
    const eightBit = bmpOf(4, 2, 24, rgba);
    new DataView(eightBit.buffer).setUint16(28, 8, true);
    assert.throws(() => node.decodeBmp(eightBit), /this BMP is 8-bit \(with a palette\), which is not supported/);
    const bmp = bmpOf(4, 2, 24, rgba);
    assert.throws(() => node.decodeBmp(bmp.subarray(0, bmp.length - 5)), /the BMP data is truncated: a 4×2 24-bit image needs 78 bytes, got 73/);
    assert.throws(() => node.decodeBmp(bmp, 1), /channels must be 0 \(as stored\), 3 \(RGB\) or 4 \(RGBA\) for BMP, but got 1/);
    assert.throws(() => node.decodePng(bmp), /decodePng: the data is a BMP image, which decodePng does not decode.*tf\.node\.decodeBmp/);
    assert.throws(() => node.decodeBmp(pngOf(rgba, 4, 2, 6)), /decodeBmp: the data is a PNG image.*tf\.node\.decodePng/);
  });
});

describe('decodeGif', () => {
  test('the first frame decodes to int32 [1, h, w, 3]; its transparent pixels are black', (t) => {
    t.mock.method(console, 'warn', () => undefined);
    const gif = gifOf([GIF_FRAME0, [3, 3, 3, 3, 0, 0, 0, 0, 1, 1, 1, 1]], 3);
    const r = read(node.decodeGif(gif));
    assert.deepEqual(r.shape, [1, 3, 4, 3]);
    assert.equal(r.dtype, 'int32');
    assert.deepEqual(r.values, GIF_FRAME0.flatMap((i) => (i === 3 ? [0, 0, 0] : rgbOfIndex(i))));
  });

  test('an animated GIF decodes its first frame with one warning that says tfjs-node gives every frame', (t) => {
    const warn = t.mock.method(console, 'warn', () => undefined);
    const fresh = createTfNode(tf, { notebookDir: process.cwd() });
    const gif = gifOf([GIF_FRAME0, [3, 3, 3, 3, 0, 0, 0, 0, 1, 1, 1, 1]]);
    assert.deepEqual(read(fresh.decodeGif(gif)).values, GIF_FRAME0.flatMap(rgbOfIndex));
    read(fresh.decodeImage(gif));
    assert.equal(warn.mock.callCount(), 1, 'warned once');
    assert.match(String(warn.mock.calls[0].arguments[0]), /this GIF has 2 frames; without the native backend only the first is decoded.*tfjs-node gives \[2, h, w, 3\]/);
  });

  test('an animated GIF is an error for decodePng, as in TensorFlow; bad GIF data says it is invalid', () => {
    const gif = gifOf([GIF_FRAME0, GIF_FRAME0]);
    assert.throws(() => node.decodePng(gif), /got 2 frames, but animated GIFs can only be decoded by tf\.node\.decodeGif or tf\.node\.decodeImage/);
    assert.deepEqual(read(node.decodePng(gifOf([GIF_FRAME0]))).shape, [3, 4, 3]);
    assert.throws(() => node.decodeGif(gif.subarray(0, 30)), /decodeGif: the GIF data is invalid or truncated.*first frame of a GIF only/);
  });
});

describe('decodeImage', () => {
  test('tells the format by its magic bytes and decodes as the matching decoder', () => {
    const rgba = bytes(4 * 3 * 4, 21);
    const png = pngOf(rgba, 4, 3, 6);
    const bmp = bmpOf(4, 3, 24, rgba);
    const jpeg = new Uint8Array(jpegJsEncode({ data: rgba, width: 4, height: 3 }, 90).data);
    assert.deepEqual(read(node.decodeImage(png)), read(node.decodePng(png)));
    assert.deepEqual(read(node.decodeImage(png, 3)), read(node.decodePng(png, 3)));
    assert.deepEqual(read(node.decodeImage(bmp)), read(node.decodeBmp(bmp)));
    assert.deepEqual(read(node.decodeImage(jpeg, 1)), read(node.decodeJpeg(jpeg, 1)));
  });

  test('a GIF gives [1, h, w, 3], or [h, w, 3] with expandAnimations false', () => {
    const gif = gifOf([GIF_FRAME0]);
    const four = read(node.decodeImage(gif));
    assert.deepEqual(four.shape, [1, 3, 4, 3]);
    const three = read(node.decodeImage(gif, 0, 'int32', false));
    assert.deepEqual(three.shape, [3, 4, 3]);
    assert.deepEqual(three.values, four.values);
  });

  test('what is not an image, a path, or dtype float32 is an error that says what to do', () => {
    assert.throws(() => node.decodeImage(Buffer.from('hello, world')), /decodeImage: expected an image \(BMP, JPEG, PNG, or GIF\), but got unsupported image type/);
    assert.throws(() => node.decodeImage('photos/cat.png' as unknown as Uint8Array), /got a string \("photos\/cat\.png"\).*decodeImage\(fs\.readFileSync\(path\)\)/);
    assert.throws(() => node.decodeImage(new Uint8Array(0)), /the image data is empty/);
    assert.throws(() => node.decodeImage(pngOf(bytes(4, 1), 1, 1, 6), 0, 'float32'), /decodeImage could only return Tensor of type `int32`.*toFloat\(\)\.div\(255\)/);
  });

  test('decoding leaves exactly one new tensor, the result', () => {
    const png = pngOf(bytes(16 * 4, 3), 4, 4, 6);
    const gif = gifOf([GIF_FRAME0]);
    const before = tf.memory().numTensors;
    const results = [node.decodeImage(png), node.decodeImage(gif, 0, 'int32', false), node.decodeGif(gif)];
    assert.equal(tf.memory().numTensors, before + 3);
    tf.dispose(results);
    assert.equal(tf.memory().numTensors, before);
  });
});

describe('encodePng', () => {
  test('encodes 1–4 channels as a PNG that decodes back bit for bit, at any compression', async () => {
    const colorTypes: Record<number, number> = { 1: 0, 2: 4, 3: 2, 4: 6 };
    for (const channels of [1, 2, 3, 4]) {
      for (const compression of [-1, 0, 1, 9]) {
        const values = bytes(7 * 5 * channels, channels * 10 + compression);
        const image = tf.tensor3d(Int32Array.from(values), [5, 7, channels], 'int32');
        const png = await node.encodePng(image);
        image.dispose();
        assert.ok(png instanceof Uint8Array);
        assert.deepEqual(Array.from(png.subarray(0, 8)), [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a], 'a PNG signature');
        assert.equal(PNG.sync.read(Buffer.from(png)).colorType, colorTypes[channels], `colour type for ${channels} channels`);
        const back = read(node.decodePng(png));
        assert.deepEqual(back.shape, [5, 7, channels]);
        assert.deepEqual(back.values, Array.from(values), `${channels} channels, compression ${compression}`);
      }
    }
  });

  test('a float32 image of 0–255 values encodes as tfjs-node reads it: the fraction is cut', async () => {
    const image = tf.tensor3d([0.4, 127.9, 255, 31.5], [2, 2, 1]);
    const back = read(node.decodePng(await node.encodePng(image)));
    image.dispose();
    assert.deepEqual(back.values, [0, 127, 255, 31]);
  });

  test('a 4-D tensor, 5 channels or a bad compression are errors that say what to pass', async () => {
    const batch = tf.zeros([1, 2, 2, 3]);
    await assert.rejects(node.encodePng(batch as tf.Tensor3D), /encodePng: image must be a 3-D tensor \[height, width, channels\], got rank 4 \(shape \[1, 2, 2, 3\]\).*squeeze\(\[0\]\)/);
    const five = tf.zeros([2, 2, 5]) as tf.Tensor3D;
    await assert.rejects(node.encodePng(five), /encodePng: image must have 1, 2, 3 or 4 channels, got 5/);
    const ok = tf.zeros([2, 2, 3]) as tf.Tensor3D;
    await assert.rejects(node.encodePng(ok, 10), /compression must be a whole number from -1 to 9, got 10/);
    tf.dispose([batch, five, ok]);
  });
});

describe('encodeJpeg', () => {
  const [w, h] = [40, 24];
  const rgb = smoothRgb(w, h);

  test('encodes RGB as a JPEG that decodes close to the image, smaller at lower quality', async () => {
    const image = tf.tensor3d(Int32Array.from(rgb), [h, w, 3], 'int32');
    const jpeg = await node.encodeJpeg(image);
    const small = await node.encodeJpeg(image, '', 10);
    image.dispose();
    const back = read(node.decodeJpeg(jpeg));
    assert.deepEqual(back.shape, [h, w, 3]);
    const d = meanAbsDiff(back.values, rgb);
    assert.ok(d.mean < 2 && d.max < 16, `mean ${d.mean}, max ${d.max}`);
    assert.ok(small.length < jpeg.length, `quality 10 (${small.length} bytes) is smaller than 95 (${jpeg.length})`);
    const other = jpegJsDecode(jpeg, { useTArray: true, formatAsRGBA: false });
    assert.deepEqual([other.width, other.height], [w, h], 'another decoder reads it');
  });

  test('a 1-channel image becomes a grayscale JPEG, which decodes back to 1 channel', async () => {
    const gray = Uint8Array.from(pick(rgb, 3, [0]));
    const image = tf.tensor3d(Int32Array.from(gray), [h, w, 1], 'int32');
    const jpeg = await node.encodeJpeg(image, 'grayscale', 90);
    image.dispose();
    const back = read(node.decodeJpeg(jpeg));
    assert.deepEqual(back.shape, [h, w, 1]);
    const d = meanAbsDiff(back.values, gray);
    assert.ok(d.mean < 1.5 && d.max < 10, `mean ${d.mean}, max ${d.max}`);
    const other = jpegJsDecode(jpeg, { useTArray: true, formatAsRGBA: false });
    assert.ok(meanAbsDiff(pick(other.data, 3, [0]), gray).mean < 1.5, 'another decoder reads the same image');
  });

  test('writes the JFIF density and the XMP metadata asked for', async () => {
    const image = tf.tensor3d(Int32Array.from(rgb), [h, w, 3], 'int32');
    const jpeg = await node.encodeJpeg(image, 'rgb', 90, false, false, true, 'cm', 118, 59, '<x:xmpmeta>bmnb</x:xmpmeta>');
    const plain = await node.encodeJpeg(image);
    image.dispose();
    assert.deepEqual(Array.from(jpeg.subarray(6, 18)), [0x4a, 0x46, 0x49, 0x46, 0, 1, 1, 2, 0, 118, 0, 59], 'JFIF, units cm, 118 × 59');
    assert.deepEqual(Array.from(plain.subarray(13, 18)), [1, 1, 44, 1, 44], 'default: 300 dpi');
    const text = Buffer.from(jpeg).toString('latin1');
    assert.ok(text.includes('\xff\xe1') && text.includes('http://ns.adobe.com/xap/1.0/\0<x:xmpmeta>bmnb</x:xmpmeta>'), 'an APP1 XMP segment');
    assert.deepEqual(read(node.decodeJpeg(jpeg)).shape, [h, w, 3], 'still decodes');
  });

  test('4 channels, a format that does not match, or a bad quality are errors', async () => {
    const rgba = tf.zeros([2, 2, 4]) as tf.Tensor3D;
    await assert.rejects(node.encodeJpeg(rgba), /encodeJpeg: image must have 1 or 3 channels, got 4/);
    const three = tf.zeros([2, 2, 3]) as tf.Tensor3D;
    await assert.rejects(node.encodeJpeg(three, 'grayscale'), /encodeJpeg: image must have 1 channel \(format 'grayscale'\), got 3/);
    await assert.rejects(node.encodeJpeg(three, '', 101), /quality must be a whole number from 0 to 100, got 101/);
    tf.dispose([rgba, three]);
  });
});
