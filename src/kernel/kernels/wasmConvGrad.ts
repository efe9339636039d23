/**
 * Faster replacements for two training kernels of `@tensorflow/tfjs-backend-wasm` 4.22 that are
 * plain C++ loops there, and that a profile of a CNN's training step puts on top
 * (`bench/profile.ts`; article 000/002's three-conv CNN on MNIST, batch 128, one thread):
 *
 * - `Conv2DBackpropInput` (the gradient of conv2d with respect to its input, needed by every conv
 *   layer after the first): 163 ms for `[128,11,11,64]` with a `[3,3,32,64]` filter, against
 *   16 ms for the forward conv of the same size. Here it runs as a forward convolution on the
 *   backend's own (XNNPACK) `Conv2D`: dy, dilated by the strides (zeros between rows and columns)
 *   and padded by (filter − 1 − pad), convolved with the filter flipped in space and with its in
 *   and out channels swapped, is dx.
 * - `MaxPoolGrad`: 44 ms for `[128,26,26,32]`. Here one pass over each window finds the first
 *   strict maximum (the cpu backend's rule, which matters after a ReLU, where windows of zeros
 *   tie) and adds dy there.
 *
 * Both fall back to the original kernel for what they do not cover (non-float32, NCHW,
 * dilations, a padding larger than the filter). Each call leaves exactly one new data buffer (the
 * output) and frees its temporaries, like the backend's own kernels. The fix belongs in tfjs
 * (`tfjs-backend-wasm/src/cc/kernels/Conv2DBackpropInput.cc` and `MaxPoolGrad`'s loops).
 */
import type * as TF from '@tensorflow/tfjs';
import {
  as4D, input, replaceWasmKernels,
  type Attrs, type FastPath, type KernelParams, type Padding, type RoundingMode, type TensorInfo, type Tfjs, type WasmBackendLike,
} from './wasmCommon';

const FAST = Symbol.for('bmnb.wasmConvGrad');

/** The kernels replaced, each with its fast path (null: use the original). */
const REPLACEMENTS: ReadonlyArray<readonly [string, FastPath]> = [
  ['Conv2DBackpropInput', conv2DBackpropInput],
  ['MaxPoolGrad', maxPoolGrad],
];

/**
 * Replaces wasm's Conv2DBackpropInput and MaxPoolGrad with bmnb's faster ones (the original
 * still runs what they do not cover). Idempotent; returns the names replaced (now or earlier).
 * Call after `@tensorflow/tfjs-backend-wasm` is imported.
 */
export function registerWasmConvGradKernels(tf: Tfjs): string[] {
  return replaceWasmKernels(tf, FAST, REPLACEMENTS);
}

const isNHWC = (f: unknown) => f == null || f === 'NHWC' || f === 'channelsLast';

// ---------------------------------------------------------------------------------------------
// Conv2DBackpropInput: dx[n, ih, iw, ci] = Σ dy[n, oh, ow, co] · W[kh, kw, ci, co] over
// ih = oh·sH + kh − top, iw = ow·sW + kw − left. With dy dilated by the strides into dD
// (dD[oh·sH, ow·sW] = dy[oh, ow]) and kh' = fH − 1 − kh, that is a stride-1 forward conv of dD,
// padded by fH − 1 − top above, with W'[kh', kw', co, ci] = W[fH − 1 − kh', fW − 1 − kw', ci, co].

function conv2DBackpropInput(tf: Tfjs, inputs: KernelParams['inputs'], backend: WasmBackendLike, attrs: Attrs): TensorInfo | null {
  const name = 'Conv2DBackpropInput';
  const dy = input(inputs, 'dy', name);
  const filter = input(inputs, 'filter', name);
  if (dy.dtype !== 'float32' || filter.dtype !== 'float32' || !isNHWC(attrs.dataFormat)) return null;
  const forward = tf.getKernel('Conv2D', 'wasm') as TF.KernelConfig | undefined;
  if (forward == null) return null;
  const inShape = as4D(attrs.inputShape as number[], 'inputShape', name);
  const fShape = as4D(filter.shape, 'filter', name);
  const info = tf.backend_util.computeConv2DInfo(
    inShape, fShape, attrs.strides as number | [number, number], 1,
    attrs.pad as Padding, attrs.dimRoundingMode as RoundingMode, false, 'channelsLast',
  );
  const { batchSize: N, inHeight: inH, inWidth: inW, inChannels: inC, outHeight: outH, outWidth: outW, outChannels: outC } = info;
  const { filterHeight: fH, filterWidth: fW, strideHeight: sH, strideWidth: sW } = info;
  const d = as4D(dy.shape, 'dy', name);
  if (d[0] !== N || d[1] !== outH || d[2] !== outW || d[3] !== outC) return null;
  if (N * inH * inW * inC === 0 || outH * outW * outC === 0) return null;
  const dH = (outH - 1) * sH + 1;
  const dW = (outW - 1) * sW + 1;
  const padTop = fH - 1 - info.padInfo.top;
  const padLeft = fW - 1 - info.padInfo.left;
  const padBottom = inH + fH - 1 - dH - padTop;
  const padRight = inW + fW - 1 - dW - padLeft;
  if (padTop < 0 || padLeft < 0 || padBottom < 0 || padRight < 0) return null;

  const strided = sH !== 1 || sW !== 1;
  // Allocate first: an allocation may grow the wasm memory and detach older views.
  const flipped = backend.makeOutput([fH, fW, outC, inC], 'float32');
  const dyD = strided ? backend.makeOutput([N, dH, dW, outC], 'float32') : null;
  const wv = backend.typedArrayFromHeap(filter);
  const fv = backend.typedArrayFromHeap(flipped) as Float32Array;
  for (let kh = 0; kh < fH; kh++) {
    for (let kw = 0; kw < fW; kw++) {
      const src = (kh * fW + kw) * inC * outC;
      const dst = ((fH - 1 - kh) * fW + (fW - 1 - kw)) * outC * inC;
      for (let ci = 0; ci < inC; ci++) {
        for (let co = 0, s = src + ci * outC, t = dst + ci; co < outC; co++, s++, t += inC) fv[t] = wv[s];
      }
    }
  }
  if (dyD != null) dilateInto(backend.typedArrayFromHeap(dy), backend.typedArrayFromHeap(dyD) as Float32Array, N, outH, outW, outC, sH, sW, dH, dW);
  try {
    const dx = forward.kernelFunc({
      inputs: { x: dyD ?? dy, filter: flipped },
      backend: backend as unknown as TF.KernelBackend,
      attrs: { strides: [1, 1], dilations: [1, 1], pad: [[0, 0], [padTop, padBottom], [padLeft, padRight], [0, 0]], dataFormat: 'NHWC' },
    }) as TensorInfo;
    return { dataId: dx.dataId, shape: inShape, dtype: 'float32' };
  } finally {
    backend.disposeData(flipped.dataId);
    if (dyD != null) backend.disposeData(dyD.dataId);
  }
}

/** Writes `src` [N, H, W, C] into `dst` [N, dH, dW, C] at every sH-th row and sW-th column; zeros elsewhere. */
export function dilateInto(
  src: ArrayLike<number>, dst: Float32Array, N: number, H: number, W: number, C: number,
  sH: number, sW: number, dH: number, dW: number,
): void {
  dst.fill(0);
  for (let n = 0; n < N; n++) {
    for (let h = 0; h < H; h++) {
      for (let w = 0; w < W; w++) {
        const s = ((n * H + h) * W + w) * C;
        const t = ((n * dH + h * sH) * dW + w * sW) * C;
        for (let c = 0; c < C; c++) dst[t + c] = src[s + c];
      }
    }
  }
}

// ---------------------------------------------------------------------------------------------
// MaxPoolGrad: dx[p] = Σ over the windows whose first strict maximum (row-major in the window,
// NaN never a maximum; a window of -∞ or NaN only has none) is at p, of dy at that window.

function maxPoolGrad(tf: Tfjs, inputs: KernelParams['inputs'], backend: WasmBackendLike, attrs: Attrs): TensorInfo | null {
  const name = 'MaxPoolGrad';
  const dy = input(inputs, 'dy', name);
  const x = input(inputs, 'input', name);
  if (x.dtype !== 'float32' || dy.dtype !== 'float32' || x.shape.length !== 4) return null;
  const info = tf.backend_util.computePool2DInfo(
    as4D(x.shape, 'input', name), attrs.filterSize as number | [number, number], attrs.strides as number | [number, number],
    1, attrs.pad as Padding, attrs.dimRoundingMode as RoundingMode,
  );
  const { batchSize: N, inHeight: H, inWidth: W, inChannels: C, outHeight: oH, outWidth: oW } = info;
  const { filterHeight: fH, filterWidth: fW, strideHeight: sH, strideWidth: sW } = info;
  const d = as4D(dy.shape, 'dy', name);
  if (d[0] !== N || d[1] !== oH || d[2] !== oW || d[3] !== C) return null;
  const top = info.padInfo.top;
  const left = info.padInfo.left;
  const out = backend.makeOutput(x.shape, 'float32');
  const dx = backend.typedArrayFromHeap(out) as Float32Array;
  const xv = backend.typedArrayFromHeap(x);
  const dyv = backend.typedArrayFromHeap(dy);
  dx.fill(0);
  // Per window: the offsets of its taps inside the image, in row-major order; then per channel the
  // first strict maximum over them, kept in registers.
  const taps = new Int32Array(fH * fW);
  for (let n = 0; n < N; n++) {
    for (let oh = 0; oh < oH; oh++) {
      const h0 = Math.max(0, oh * sH - top);
      const h1 = Math.min(H, oh * sH - top + fH);
      for (let ow = 0; ow < oW; ow++) {
        const w0 = Math.max(0, ow * sW - left);
        const w1 = Math.min(W, ow * sW - left + fW);
        let nt = 0;
        for (let h = h0; h < h1; h++) for (let w = w0; w < w1; w++) taps[nt++] = ((n * H + h) * W + w) * C;
        const g = ((n * oH + oh) * oW + ow) * C;
        for (let c = 0; c < C; c++) {
          let best = -Infinity;
          let at = -1;
          for (let t = 0; t < nt; t++) {
            const v = xv[taps[t] + c];
            if (v > best) {
              best = v;
              at = taps[t] + c;
            }
          }
          if (at >= 0) dx[at] += dyv[g + c];
        }
      }
    }
  }
  return out;
}
