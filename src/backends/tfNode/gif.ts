/**
 * GIF for tf.node, with omggif: the FIRST frame only, as RGB. tfjs-node decodes every frame of an
 * animated GIF; here the others are left out (gifFrames tells how many there are). As in
 * TensorFlow's gif_io.cc, pixels of the first frame that are transparent or outside its rectangle
 * are black.
 */
import { GifReader } from 'omggif';
import { fromRgba, type Pixels } from './pixels';

/** The first frame of a GIF as RGB pixels, and how many frames the GIF has. */
export function decodeGifFirstFrame(fn: string, bytes: Uint8Array): { pixels: Pixels; frames: number } {
  try {
    const reader = new GifReader(bytes);
    const frames = reader.numFrames();
    if (frames === 0) throw new Error('it has no image frame');
    const rgba = new Uint8Array(reader.width * reader.height * 4);
    reader.decodeAndBlitFrameRGBA(0, rgba);
    return { pixels: fromRgba(rgba, reader.width, reader.height, 3), frames };
  } catch (err) {
    throw new Error(`${fn}: the GIF data is invalid or truncated (${(err as Error).message}). Check that the bytes are a whole .gif file. (Without the native backend, tf.node decodes the first frame of a GIF only.)`);
  }
}
