/**
 * Fixes for `tf.image.transform` (the `Transform` kernel), which the augmentation layers use, on
 * the two backends that ship with bmnb (tfjs 4.22):
 *
 * - wasm (cc/kernels/Transform.cc): in 'reflect' mode — Keras' default — a coordinate before the
 *   image is tested with `in_coord < -len` where `len` is a `size_t`: `-len` wraps to a huge
 *   unsigned number, the test is always true, and the pixel is read from the far edge instead of
 *   its mirror image.
 * - cpu (kernels/Transform.ts): the `return` sits inside the loop over the batch, so only the
 *   first image is transformed; every other image of the batch comes out as the fill value.
 *
 * Two ops, one per backend, implement Transform in JavaScript with TensorFlow's semantics (image_ops.h: output point → input point through the 8 numbers of a
 * projective transform; fill modes reflect [dcba|abcd|dcba], wrap, nearest, constant; bilinear or
 * nearest interpolation). On wasm it handles 'reflect' and leaves the other modes to the
 * backend's own (fast, correct) kernel. Tested against per-image runs of the stock kernels.
 */
import type { TF } from '../tfjs';
import type { Op, OpCall } from './op';
import { asWasmBackend, type WasmBackendLike } from './wasmHeap';

type FillMode = 'constant' | 'reflect' | 'wrap' | 'nearest';
type Interpolation = 'nearest' | 'bilinear';
type Values = { length: number; [i: number]: number };

interface TransformAttrs {
  interpolation: Interpolation;
  fillMode: FillMode;
  fillValue: number;
  outputShape?: [number, number] | null;
}

const clamp = (v: number, len: number) => (v <= 0 ? 0 : v > len - 1 ? len - 1 : v);

/** 'reflect': period 2·len, mirrored about the half-pixel edges (… d c b a | a b c d | d c b a …). */
export function reflectCoord(c: number, len: number): number {
  if (len <= 1) return 0;
  const period = 2 * len;
  let m = c % period;
  if (m < 0) m += period;
  return clamp(m < len ? m : period - 1 - m, len);
}

/** 'wrap', as TensorFlow computes it (a shift by whole multiples of len, then clamped). */
export function wrapCoord(c: number, len: number): number {
  if (c >= 0 && c <= len - 1) return c;
  if (len <= 1) return 0;
  const span = len - 1;
  return clamp(c < 0 ? c + len * (Math.trunc(-c / span) + 1) : c - len * Math.trunc(c / span), len);
}

const MAP: Record<FillMode, (c: number, len: number) => number> = {
  constant: (c) => c,
  reflect: reflectCoord,
  wrap: wrapCoord,
  nearest: clamp,
};

/** TensorFlow's rounding for nearest interpolation (half away from zero, as C's round). */
const roundHalfAway = (v: number) => (v < 0 ? -Math.round(-v) : Math.round(v));

/** The Transform kernel over plain arrays (NHWC); `out` has shape [batch, outH, outW, channels]. */
export function transformValues(
  image: Values,
  shape: readonly [number, number, number, number],
  transforms: Values,
  /** Whether `transforms` has one row per image (else one row for the whole batch). */
  perImage: boolean,
  out: Values,
  outH: number,
  outW: number,
  attrs: Pick<TransformAttrs, 'interpolation' | 'fillMode' | 'fillValue'>,
): void {
  const [batch, h, w, ch] = shape;
  const map = MAP[attrs.fillMode] ?? MAP.constant;
  const fill = attrs.fillValue;
  const read = (base: number, y: number, x: number, c: number) => (y >= 0 && y < h && x >= 0 && x < w ? image[base + (y * w + x) * ch + c]! : fill);
  for (let b = 0; b < batch; b++) {
    const t = perImage ? 8 * b : 0;
    const a0 = transforms[t]!, a1 = transforms[t + 1]!, a2 = transforms[t + 2]!;
    const b0 = transforms[t + 3]!, b1 = transforms[t + 4]!, b2 = transforms[t + 5]!;
    const c0 = transforms[t + 6]!, c1 = transforms[t + 7]!;
    const base = b * h * w * ch;
    for (let oy = 0; oy < outH; oy++) {
      for (let ox = 0; ox < outW; ox++) {
        const o = ((b * outH + oy) * outW + ox) * ch;
        const k = c0 * ox + c1 * oy + 1;
        if (k === 0) {
          for (let c = 0; c < ch; c++) out[o + c] = fill;
          continue;
        }
        const x = map((a0 * ox + a1 * oy + a2) / k, w);
        const y = map((b0 * ox + b1 * oy + b2) / k, h);
        if (attrs.interpolation === 'nearest') {
          const yi = roundHalfAway(y);
          const xi = roundHalfAway(x);
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

function shapes(args: OpCall) {
  const attrs = args.attrs as unknown as TransformAttrs;
  const image = args.inputs.image as TF.TensorInfo;
  const transforms = args.inputs.transforms as TF.TensorInfo;
  const [batch, h, w, ch] = image.shape as [number, number, number, number];
  const [outH, outW] = attrs.outputShape ?? [h, w];
  return { attrs, image, transforms, inShape: [batch, h, w, ch] as const, outShape: [batch, outH, outW, ch], outH, outW };
}

function wasmTransform(args: OpCall<WasmBackendLike>): TF.TensorInfo {
  const backend = args.backend;
  const s = shapes(args);
  // Allocate first: growing the wasm heap detaches views taken before.
  const out = backend.makeOutput(s.outShape, s.image.dtype);
  transformValues(backend.typedArrayFromHeap(s.image), s.inShape, backend.typedArrayFromHeap(s.transforms), s.transforms.shape[0]! > 1, backend.typedArrayFromHeap(out), s.outH, s.outW, s.attrs);
  return out;
}

interface CpuBackendLike {
  data: { get(dataId: object): { values: Values } };
  makeTensorInfo(shape: number[], dtype: TF.DataType, values: Values): TF.TensorInfo;
}

function cpuTransform(args: OpCall<CpuBackendLike>): TF.TensorInfo {
  const backend = args.backend;
  const s = shapes(args);
  const size = s.outShape.reduce((a, b) => a * b, 1);
  const out = s.image.dtype === 'float32' ? new Float32Array(size) : new Int32Array(size);
  transformValues(backend.data.get(s.image.dataId).values, s.inShape, backend.data.get(s.transforms.dataId).values, s.transforms.shape[0]! > 1, out, s.outH, s.outW, s.attrs);
  return backend.makeTensorInfo(s.outShape, s.image.dtype, out);
}

/** On wasm: 'reflect' here, every other fill mode by the backend's own kernel. */
export const transformWasm: Op<WasmBackendLike> = {
  kernelName: 'Transform',
  backendName: 'wasm',
  reason: 'fix',
  backend: asWasmBackend,
  run: (_tf, call) => ((call.attrs as unknown as TransformAttrs).fillMode === 'reflect' ? wasmTransform(call) : null),
};

/** On cpu: every call here. */
export const transformCpu: Op<CpuBackendLike> = {
  kernelName: 'Transform',
  backendName: 'cpu',
  reason: 'fix',
  backend: (b) => b as CpuBackendLike,
  run: (_tf, call) => cpuTransform(call),
};
