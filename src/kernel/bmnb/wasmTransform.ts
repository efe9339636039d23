/**
 * A fix for `tf.image.transform` on the wasm backend (tfjs-backend-wasm 4.22), which the
 * augmentation layers use with Keras' default fill mode, 'reflect'.
 *
 * The wasm `Transform` kernel (cc/kernels/Transform.cc) maps a coordinate that falls before the
 * image in 'reflect' mode with `in_coord < -len`, where `len` is a `size_t`: `-len` wraps to a huge
 * unsigned number, the test is always true, and the coordinate is shifted by `2·len` and clamped to
 * the far edge. A rotated image then shows pixels of the opposite border (like 'wrap') instead of
 * its mirror image, unlike the cpu backend and TensorFlow.
 *
 * This registers, for 'wasm', a Transform kernel that computes 'reflect' in JavaScript on the wasm
 * heap (TensorFlow's semantics: [dcba|abcd|dcba], half-sample symmetric) and hands every other
 * fill mode to the backend's own kernel. Idempotent. Tested against the cpu backend.
 */
import type * as TF from '@tensorflow/tfjs';
import type { Tfjs } from '../backends';

const FIXED = Symbol.for('bmnb.wasmTransformReflect');

interface WasmBackendLike {
  makeOutput(shape: number[], dtype: TF.DataType): TF.TensorInfo;
  typedArrayFromHeap(info: TF.TensorInfo): Float32Array | Int32Array | Uint8Array;
}

interface TransformAttrs {
  interpolation: 'nearest' | 'bilinear';
  fillMode: 'constant' | 'reflect' | 'wrap' | 'nearest';
  fillValue: number;
  outputShape?: [number, number] | null;
}

/** Reflects a coordinate into [0, len-1] with period 2·len: ... d c b a | a b c d | d c b a ... */
export function reflectCoord(c: number, len: number): number {
  if (len <= 1) return 0;
  const period = 2 * len;
  let m = c % period;
  if (m < 0) m += period;
  const r = m < len ? m : period - 1 - m;
  return r < 0 ? 0 : r > len - 1 ? len - 1 : r;
}

/** tf.image.transform with fillMode 'reflect' over plain arrays (NHWC). */
export function transformReflect(
  image: ArrayLike<number>,
  shape: readonly [number, number, number, number],
  transforms: ArrayLike<number>,
  perImage: boolean,
  out: { [i: number]: number },
  outH: number,
  outW: number,
  interpolation: 'nearest' | 'bilinear',
  fillValue: number,
): void {
  const [batch, h, w, ch] = shape;
  const read = (base: number, y: number, x: number, c: number) => (y >= 0 && y < h && x >= 0 && x < w ? image[base + (y * w + x) * ch + c]! : fillValue);
  for (let b = 0; b < batch; b++) {
    const t = perImage ? b * 8 : 0;
    const [a0, a1, a2, b0, b1, b2, c0, c1] = [transforms[t]!, transforms[t + 1]!, transforms[t + 2]!, transforms[t + 3]!, transforms[t + 4]!, transforms[t + 5]!, transforms[t + 6]!, transforms[t + 7]!];
    const base = b * h * w * ch;
    for (let oy = 0; oy < outH; oy++) {
      for (let ox = 0; ox < outW; ox++) {
        const o = ((b * outH + oy) * outW + ox) * ch;
        const projection = c0 * ox + c1 * oy + 1;
        if (projection === 0) {
          for (let c = 0; c < ch; c++) out[o + c] = fillValue;
          continue;
        }
        const x = reflectCoord((a0 * ox + a1 * oy + a2) / projection, w);
        const y = reflectCoord((b0 * ox + b1 * oy + b2) / projection, h);
        if (interpolation === 'nearest') {
          const yi = Math.round(y);
          const xi = Math.round(x);
          for (let c = 0; c < ch; c++) out[o + c] = read(base, yi, xi, c);
          continue;
        }
        const y0 = Math.floor(y);
        const x0 = Math.floor(x);
        const fy = y - y0;
        const fx = x - x0;
        for (let c = 0; c < ch; c++) {
          const top = (1 - fx) * read(base, y0, x0, c) + fx * read(base, y0, x0 + 1, c);
          const bottom = (1 - fx) * read(base, y0 + 1, x0, c) + fx * read(base, y0 + 1, x0 + 1, c);
          out[o + c] = (1 - fy) * top + fy * bottom;
        }
      }
    }
  }
}

/**
 * Registers the fixed Transform kernel for 'wasm' (when tfjs-backend-wasm has registered its
 * own). Returns whether the fix is in place after the call.
 */
export function registerWasmTransformFix(tf: Tfjs): boolean {
  const existing = tf.getKernel('Transform', 'wasm') as TF.KernelConfig | undefined;
  if (existing == null) return false;
  if ((existing.kernelFunc as unknown as Record<symbol, unknown>)[FIXED]) return true;
  const original = existing.kernelFunc;
  const kernelFunc: TF.KernelFunc = (args) => {
    const attrs = args.attrs as unknown as TransformAttrs;
    if (attrs.fillMode !== 'reflect') return original(args);
    const backend = args.backend as unknown as WasmBackendLike;
    const image = args.inputs.image as TF.TensorInfo;
    const transforms = args.inputs.transforms as TF.TensorInfo;
    const [batch, h, w, ch] = image.shape as [number, number, number, number];
    const [outH, outW] = attrs.outputShape ?? [h, w];
    // Allocate first: growing the wasm heap detaches views taken before.
    const out = backend.makeOutput([batch, outH, outW, ch], image.dtype);
    transformReflect(
      backend.typedArrayFromHeap(image),
      [batch, h, w, ch],
      backend.typedArrayFromHeap(transforms),
      transforms.shape[0]! > 1,
      backend.typedArrayFromHeap(out),
      outH,
      outW,
      attrs.interpolation,
      attrs.fillValue,
    );
    return out;
  };
  Object.defineProperty(kernelFunc, FIXED, { value: true });
  // Unregister first: registering over a kernel prints a warning.
  tf.unregisterKernel('Transform', 'wasm');
  tf.registerKernel({ ...existing, kernelFunc });
  return true;
}
