/**
 * The image functions of `tf.node` without libtensorflow, with tfjs-node 4.22's signatures,
 * defaults, shapes and dtypes (tfjs-node/src/image.ts) and TensorFlow's decoding rules
 * (decode_image_op.cc): the format is told by magic bytes, decodePng/decodeJpeg also decode the
 * other of the two and single-frame GIFs, decodeGif also PNG and JPEG, only decodeBmp and
 * decodeImage decode BMP. Pixels come from png.ts, jpeg.ts, bmp.ts and gif.ts; tensors are made on
 * the session's tf.
 */
import type { TF, Tfjs } from '../tfjs';
import { decodeBmpPixels } from './bmp';
import { decodeGifFirstFrame } from './gif';
import { decodeJpegPixels, encodeJpegBytes, type JpegDecodeOptions } from './jpeg';
import { checkChannels, encodedBytes, sniffFormat, unknownFormatError, type ImageFormat, type Pixels } from './pixels';
import { decodePngPixels, encodePngBytes } from './png';

type DecodeOp = 'decodeImage' | 'decodePng' | 'decodeJpeg' | 'decodeBmp' | 'decodeGif';

const FORMAT_DECODER: Record<ImageFormat, string> = { jpeg: 'decodeJpeg', png: 'decodePng', gif: 'decodeGif', bmp: 'decodeBmp' };
const DEFAULT_JPEG: JpegDecodeOptions = { ratio: 1, tryRecoverTruncated: false };

/** Decoded pixels and, for a GIF, its frame count. */
interface Decoded {
  pixels: Pixels;
  frames: number;
}

/** Decodes any of the four formats as TensorFlow's op `op` would, or throws what is wrong. */
function decodeAs(op: DecodeOp, bytes: Uint8Array, channels: number, jpeg: JpegDecodeOptions): Decoded {
  const format = sniffFormat(bytes);
  if (!format) throw unknownFormatError(op, bytes);
  if ((format === 'bmp') !== (op === 'decodeBmp') && op !== 'decodeImage') {
    throw new Error(`${op}: the data is a ${format.toUpperCase()} image, which ${op} does not decode (nor does tfjs-node's). Use tf.node.${FORMAT_DECODER[format]} or tf.node.decodeImage.`);
  }
  if (format === 'bmp') {
    checkChannels(op, channels, [0, 3, 4], ' for BMP');
    return { pixels: decodeBmpPixels(op, bytes, channels), frames: 1 };
  }
  if (format === 'gif') {
    checkChannels(op, channels, [0, 3], ' for GIF');
    return decodeGifFirstFrame(op, bytes);
  }
  if (format === 'jpeg') {
    checkChannels(op, channels, [0, 1, 3], ' for JPEG (JPEG does not support 4 channels)');
    return { pixels: decodeJpegPixels(op, bytes, channels, jpeg), frames: 1 };
  }
  return { pixels: decodePngPixels(op, bytes, channels), frames: 1 };
}

function checkDtype(op: string, dtype: string): void {
  if (dtype !== 'int32') {
    throw new Error(`${op} could only return Tensor of type \`int32\` for now (as tfjs-node), but dtype '${String(dtype)}' was asked. Decode as int32 and convert: ${op}(bytes).toFloat().div(255).`);
  }
}

function isTensor(value: unknown): value is TF.Tensor {
  return typeof value === 'object' && value !== null && 'rank' in value && typeof (value as TF.Tensor).data === 'function';
}

/** The pixels of an image tensor to encode, as tfjs-node reads them (new Uint8Array(await image.data())). */
async function imagePixels(op: string, image: unknown, channels: readonly number[], what: string): Promise<Pixels> {
  if (!isTensor(image)) throw new Error(`${op}: image must be a 3-D tf.Tensor [height, width, channels], got ${image === null ? 'null' : typeof image}.`);
  if (image.rank !== 3) {
    const hint = image.rank === 4 ? ` For one image of a batch, pass images.squeeze([0]) or tf.unstack(images)[i].` : '';
    throw new Error(`${op}: image must be a 3-D tensor [height, width, channels], got rank ${image.rank} (shape [${image.shape.join(', ')}]).${hint}`);
  }
  const [height, width, c] = image.shape;
  if (!channels.includes(c)) throw new Error(`${op}: image must have ${what}, got ${c} (shape [${image.shape.join(', ')}]).`);
  if (height === 0 || width === 0) throw new Error(`${op}: image is empty (shape [${image.shape.join(', ')}]): there is nothing to encode.`);
  if (image.dtype === 'string' || image.dtype === 'complex64') throw new Error(`${op}: image must hold numbers 0–255, got a ${image.dtype} tensor.`);
  return { width, height, channels: c, data: new Uint8Array((await image.data()) as ArrayLike<number>) };
}

function checkInteger(op: string, name: string, value: number, min: number, max: number): void {
  if (!Number.isInteger(value) || value < min || value > max) throw new Error(`${op}: ${name} must be a whole number from ${min} to ${max}, got ${String(value)}.`);
}

/**
 * Makes the image members of `tf.node` on the session's tf. Decoders return int32 tensors of
 * 0–255 values; encoders read an image tensor's values as bytes (as tfjs-node does: values
 * outside 0–255 wrap, fractions are cut, so scale a 0–1 image by 255 first).
 */
export function makeImages(tf: Tfjs) {
  let warnedAnimated = false;
  const toTensor3d = (p: Pixels): TF.Tensor3D => tf.tensor3d(Int32Array.from(p.data), [p.height, p.width, p.channels], 'int32');
  const toTensor4d = (p: Pixels): TF.Tensor4D => tf.tensor4d(Int32Array.from(p.data), [1, p.height, p.width, p.channels], 'int32');

  /** Decodes for a 3-D result: an animated GIF is an error, as in TensorFlow. */
  const decode3d = (op: DecodeOp, contents: Uint8Array, channels: number, jpeg = DEFAULT_JPEG): TF.Tensor3D => {
    checkChannels(op, channels, [0, 1, 3, 4]);
    const { pixels, frames } = decodeAs(op, encodedBytes(op, contents), channels, jpeg);
    if (frames > 1) throw new Error(`${op}: got ${frames} frames, but animated GIFs can only be decoded by tf.node.decodeGif or tf.node.decodeImage (which, here, decode the first frame only).`);
    return toTensor3d(pixels);
  };

  const warnFirstFrameOnly = (frames: number) => {
    if (frames <= 1 || warnedAnimated) return;
    warnedAnimated = true;
    console.warn(
      `[bmnb] tf.node.decodeGif: this GIF has ${frames} frames; without the native backend only the first is decoded (shape [1, h, w, 3]; tfjs-node gives [${frames}, h, w, 3]). Install @tensorflow/tfjs-node for every frame.`,
    );
  };

  /**
   * Decodes a JPEG (or a PNG, or a single-frame GIF) to an int32 tensor [height, width, channels].
   *
   * @param contents the encoded bytes (a Uint8Array or Buffer, e.g. fs.readFileSync(path)).
   * @param channels 0: as stored (1 or 3); 1: grayscale (the Y of YCbCr); 3: RGB. 4 is an error.
   * @param ratio 1, 2, 4 or 8: downscale, to ceil(height / ratio) × ceil(width / ratio) (block means,
   *     close to libjpeg's scaled decoding).
   * @param fancyUpscaling accepted; the decoder (jpeg-js) always replicates subsampled chroma, so
   *     colours near colour edges differ from libjpeg's by a few levels (up to ~20 at sharp edges).
   * @param tryRecoverTruncated false: a truncated file is an error; true: a file that lacks only its
   *     end marker decodes, one cut inside its image data is still an error (recovering it needs libjpeg).
   * @param acceptableFraction accepted, not checked: the decoder cannot tell how many rows a truncated file held.
   * @param dctMethod '', 'INTEGER_FAST' or 'INTEGER_ACCURATE': a hint, which the decoder (always accurate) ignores, as TensorFlow allows.
   */
  function decodeJpeg(
    contents: Uint8Array,
    channels = 0,
    ratio = 1,
    fancyUpscaling = true,
    tryRecoverTruncated = false,
    acceptableFraction = 1,
    dctMethod = '',
  ): TF.Tensor3D {
    void fancyUpscaling;
    if (![1, 2, 4, 8].includes(ratio)) throw new Error(`decodeJpeg: ratio must be 1, 2, 4, or 8, got ${String(ratio)}.`);
    if (!['', 'INTEGER_FAST', 'INTEGER_ACCURATE'].includes(dctMethod)) throw new Error(`decodeJpeg: dctMethod must be one of '', 'INTEGER_FAST', 'INTEGER_ACCURATE', got '${String(dctMethod)}'.`);
    if (typeof acceptableFraction !== 'number' || !(acceptableFraction >= 0 && acceptableFraction <= 1)) throw new Error(`decodeJpeg: acceptableFraction must be a number from 0 to 1, got ${String(acceptableFraction)}.`);
    return decode3d('decodeJpeg', contents, channels, { ratio, tryRecoverTruncated: Boolean(tryRecoverTruncated) });
  }

  /**
   * Decodes a PNG (or a JPEG, or a single-frame GIF) to an int32 tensor [height, width, channels].
   *
   * @param contents the encoded bytes (a Uint8Array or Buffer).
   * @param channels 0: as stored (1 gray, 2 gray+alpha, 3 RGB, 4 RGBA; a palette gives 3, or 4 with
   *     transparency); 1: grayscale; 3: RGB; 4: RGBA (alpha 255 where the PNG has none). 16-bit PNGs give their high byte.
   * @param dtype only 'int32', as in tfjs-node.
   */
  function decodePng(contents: Uint8Array, channels = 0, dtype = 'int32'): TF.Tensor3D {
    checkDtype('decodePng', dtype);
    return decode3d('decodePng', contents, channels);
  }

  /**
   * Decodes an uncompressed 24- or 32-bit BMP to an int32 tensor [height, width, channels].
   *
   * @param channels 0: as stored (3, or 4 for 32-bit, alpha as stored); 3: RGB; 4: RGBA. 1 is an error, as in TensorFlow.
   */
  function decodeBmp(contents: Uint8Array, channels = 0): TF.Tensor3D {
    return decode3d('decodeBmp', contents, channels);
  }

  /**
   * Decodes the FIRST frame of a GIF to an int32 tensor of shape [1, height, width, 3] (RGB). Unlike
   * tfjs-node, which returns every frame ([numFrames, height, width, 3]), only the first frame is
   * decoded here, with a warning for an animated GIF. PNG and JPEG data decode as [1, h, w, 3] too.
   */
  function decodeGif(contents: Uint8Array): TF.Tensor4D {
    const { pixels, frames } = decodeAs('decodeGif', encodedBytes('decodeGif', contents), 3, DEFAULT_JPEG);
    warnFirstFrameOnly(frames);
    return toTensor4d(pixels);
  }

  /**
   * Decodes BMP, GIF, JPEG or PNG bytes, told apart by their magic bytes, as tfjs-node's
   * decodeImage: [height, width, channels] for BMP, JPEG and PNG; for a GIF [1, height, width, 3]
   * (its first frame only, see decodeGif), or [height, width, 3] with expandAnimations false.
   *
   * @param channels as for decodeJpeg, decodePng, decodeBmp (ignored for GIF, as in tfjs-node).
   * @param dtype only 'int32', as in tfjs-node.
   */
  function decodeImage(content: Uint8Array, channels = 0, dtype = 'int32', expandAnimations = true): TF.Tensor3D | TF.Tensor4D {
    checkDtype('decodeImage', dtype);
    const bytes = encodedBytes('decodeImage', content);
    const format = sniffFormat(bytes);
    if (format === 'gif') {
      const gif = decodeGif(bytes);
      if (expandAnimations) return gif;
      const frame = gif.squeeze<TF.Tensor3D>([0]);
      gif.dispose();
      return frame;
    }
    if (!format) throw unknownFormatError('decodeImage', bytes);
    return decode3d('decodeImage', bytes, channels);
  }

  /**
   * Encodes a 3-D image tensor [height, width, 1–4 channels] of 0–255 values as PNG (gray,
   * gray+alpha, RGB or RGBA, 8-bit).
   *
   * @param compression zlib level: -1 (zlib's default) to 9; default 1.
   * @returns the PNG file's bytes.
   */
  async function encodePng(image: TF.Tensor3D, compression = 1): Promise<Uint8Array> {
    checkInteger('encodePng', 'compression', compression, -1, 9);
    return encodePngBytes(await imagePixels('encodePng', image, [1, 2, 3, 4], '1, 2, 3 or 4 channels'), compression);
  }

  /**
   * Encodes a 3-D image tensor [height, width, 1 or 3] of 0–255 values as a baseline JPEG: a
   * grayscale JPEG for 1 channel, YCbCr for 3, with the JFIF density and XMP metadata asked for.
   * progressive, optimizeSize and chromaDownsampling are accepted but change only how the file is
   * laid out, not its pixels: the file is baseline, with the standard Huffman tables and full-resolution colour.
   *
   * @param format '' (from the channels), 'grayscale' (needs 1 channel) or 'rgb' (needs 3).
   * @param quality 0–100; default 95.
   * @param densityUnit 'in' or 'cm', with xDensity and yDensity (0–65535; default 300).
   * @param xmpMetadata XMP written in an APP1 segment when not empty.
   * @returns the JPEG file's bytes.
   */
  async function encodeJpeg(
    image: TF.Tensor3D,
    format: '' | 'grayscale' | 'rgb' = '',
    quality = 95,
    progressive = false,
    optimizeSize = false,
    chromaDownsampling = true,
    densityUnit: 'in' | 'cm' = 'in',
    xDensity = 300,
    yDensity = 300,
    xmpMetadata = '',
  ): Promise<Uint8Array> {
    void [progressive, optimizeSize, chromaDownsampling];
    const channels = { '': [1, 3], grayscale: [1], rgb: [3] }[format];
    const what = { '': '1 or 3 channels', grayscale: "1 channel (format 'grayscale')", rgb: "3 channels (format 'rgb')" }[format];
    if (!channels || !what) throw new Error(`encodeJpeg: format must be '', 'grayscale' or 'rgb', got '${String(format)}'.`);
    checkInteger('encodeJpeg', 'quality', quality, 0, 100);
    if (densityUnit !== 'in' && densityUnit !== 'cm') throw new Error(`encodeJpeg: densityUnit must be 'in' or 'cm', got '${String(densityUnit)}'.`);
    checkInteger('encodeJpeg', 'xDensity', xDensity, 0, 65535);
    checkInteger('encodeJpeg', 'yDensity', yDensity, 0, 65535);
    if (typeof xmpMetadata !== 'string') throw new Error(`encodeJpeg: xmpMetadata must be a string, got ${typeof xmpMetadata}.`);
    const pixels = await imagePixels('encodeJpeg', image, channels, what);
    if (pixels.width > 65535 || pixels.height > 65535) throw new Error(`encodeJpeg: a JPEG is at most 65535×65535 pixels, got ${pixels.width}×${pixels.height}.`);
    return encodeJpegBytes(pixels, { quality, densityUnit, xDensity, yDensity, xmpMetadata });
  }

  return { decodeImage, decodeBmp, decodeGif, decodePng, decodeJpeg, encodeJpeg, encodePng };
}
