/**
 * Training kernels that `@tensorflow/tfjs-backend-wasm` (4.22) does not ship, so that `model.fit`
 * of convolutional (and embedding) models works on the wasm backend.
 *
 * Missing in tfjs-backend-wasm 4.22 and needed to train common tf.layers models:
 *
 * - `Conv2DBackpropFilter` — gradient of conv2d (and conv2dTranspose, separableConv2d) w.r.t. the
 *   filter;
 * - `DepthwiseConv2dNativeBackpropFilter`, `DepthwiseConv2dNativeBackpropInput` — gradients of
 *   depthwiseConv2d (and separableConv2d);
 * - `UnsortedSegmentSum` — gradient of gather (tf.layers.embedding).
 *
 * (`Conv2DBackpropInput`, `MaxPoolGrad`, `AvgPoolGrad`, `FusedBatchNorm` and everything dropout,
 * dense, flatten and batchNormalization need are already provided by the wasm backend.)
 *
 * The kernels work directly on the wasm heap, like the backend's own kernels: they read inputs and
 * write outputs through `backend.typedArrayFromHeap`, allocate with `backend.makeOutput` and free
 * their intermediates with `backend.disposeData`, so the engine sees exactly one new data buffer
 * per call (the output) and nothing is recorded on a gradient tape. Only NHWC and dilations 1 are
 * supported (tfjs's own conv gradients refuse other dilations anyway); anything else throws.
 *
 * - `Conv2DBackpropFilter` builds an im2col matrix [fH·fW·inC, N·outH·outW] in JS and runs the
 *   backend's `BatchMatMul` (XNNPACK) on it and dy, in chunks of output rows of at most 64 MiB.
 * - `DepthwiseConv2dNativeBackpropInput` runs the backend's forward `DepthwiseConv2dNative`
 *   (XNNPACK) on stride-dilated, padded dy with the flipped filter (plain JS loops for odd
 *   explicit paddings).
 * - `DepthwiseConv2dNativeBackpropFilter` and `UnsortedSegmentSum` are JS loops over the heap.
 *
 * Nothing from tfjs is imported at runtime: the kernel process passes in its one tfjs instance.
 */
import type * as TF from '@tensorflow/tfjs';
import {
  as4D, asWasmBackend, checkNHWC, checkNoDilation, input, sizeOf,
  type Attrs, type KernelParams, type Padding, type RoundingMode, type Shape4, type TensorInfo,
  type NumericArray, type Tfjs, type WasmBackendLike,
} from './wasmCommon';
import { dilateInto } from './wasmConvGrad';

type Impl = (tf: Tfjs, inputs: KernelParams['inputs'], backend: WasmBackendLike, attrs: Attrs) => TensorInfo;

/** Marks kernel functions registered by this module, so a second call can recognise them. */
const BMNB_KERNEL = Symbol.for('bmnb.wasmTrainingKernel');

/** Upper bound (in float32 elements) on one im2col chunk of Conv2DBackpropFilter: 64 MiB. */
const MAX_IM2COL_ELEMENTS = 1 << 24;

/** The kernels this module provides, in registration order. */
const IMPLEMENTATIONS: ReadonlyArray<readonly [string, Impl]> = [
  ['Conv2DBackpropFilter', conv2DBackpropFilter],
  ['DepthwiseConv2dNativeBackpropFilter', depthwiseConv2dNativeBackpropFilter],
  ['DepthwiseConv2dNativeBackpropInput', depthwiseConv2dNativeBackpropInput],
  ['UnsortedSegmentSum', unsortedSegmentSum],
];

/**
 * Registers bmnb's own implementations of training kernels that tfjs-backend-wasm lacks.
 * Idempotent. Returns the names registered.
 *
 * Kernels that are already registered for 'wasm' by someone else (e.g. a future tfjs version) are
 * left alone. The returned list names every kernel whose bmnb implementation is registered after
 * the call — newly registered now or by an earlier call — so calling twice returns the same list.
 * Can be called before or after `tf.setBackend('wasm')` (the kernel registry is global), but call
 * it after `@tensorflow/tfjs-backend-wasm` has been imported, since that import registers the
 * backend's own kernels.
 */
export function registerWasmTrainingKernels(tf: typeof import('@tensorflow/tfjs')): string[] {
  const names: string[] = [];
  for (const [kernelName, impl] of IMPLEMENTATIONS) {
    const existing = tf.getKernel(kernelName, 'wasm') as TF.KernelConfig | undefined;
    if (existing != null) {
      if ((existing.kernelFunc as unknown as Record<symbol, unknown>)[BMNB_KERNEL] === true) {
        names.push(kernelName);
      }
      continue;
    }
    const kernelFunc: TF.KernelFunc = ({ inputs, backend, attrs }) =>
      impl(tf, inputs, asWasmBackend(backend, kernelName), (attrs ?? {}) as Attrs);
    Object.defineProperty(kernelFunc, BMNB_KERNEL, { value: true });
    tf.registerKernel({ kernelName, backendName: 'wasm', kernelFunc });
    names.push(kernelName);
  }
  return names;
}

// ---------------------------------------------------------------------------------------------
// Conv2DBackpropFilter: dW[kh, kw, ci, co] = Σ_{n, oh, ow} x[n, oh*sH + kh - top, ow*sW + kw - left, ci]
//                                                          · dy[n, oh, ow, co]
// computed as im2col(x)ᵀ · dy with the im2col matrix laid out [K = fH·fW·inC, P = N·outH·outW]
// (wasm BatchMatMul is fast without transposes and slow with them).

function conv2DBackpropFilter(tf: Tfjs, inputs: KernelParams['inputs'], backend: WasmBackendLike, attrs: Attrs): TensorInfo {
  const name = 'Conv2DBackpropFilter';
  const x = input(inputs, 'x', name);
  const dy = input(inputs, 'dy', name);
  checkNHWC(attrs.dataFormat, name);
  checkNoDilation(attrs.dilations, name);
  const filterShape = as4D(attrs.filterShape as number[], 'filterShape', name);
  const info = tf.backend_util.computeConv2DInfo(
    as4D(x.shape, 'x', name),
    filterShape,
    attrs.strides as number | [number, number],
    1,
    attrs.pad as Padding,
    attrs.dimRoundingMode as RoundingMode,
    false,
    'channelsLast',
  );
  const { batchSize, inHeight, inWidth, inChannels, outHeight, outWidth, outChannels } = info;
  const { filterHeight, filterWidth, strideHeight, strideWidth } = info;
  const top = info.padInfo.top;
  const left = info.padInfo.left;
  const dyShape = as4D(dy.shape, 'dy', name);
  if (dyShape[0] !== batchSize || dyShape[1] !== outHeight || dyShape[2] !== outWidth || dyShape[3] !== outChannels) {
    throw new Error(
      `bmnb ${name}: dy shape [${dyShape.join(', ')}] does not match the conv output shape ` +
        `[${[batchSize, outHeight, outWidth, outChannels].join(', ')}]`,
    );
  }

  const K = filterHeight * filterWidth * inChannels;
  const perImage = outHeight * outWidth;
  if (K === 0 || outChannels === 0) return backend.makeOutput(filterShape, 'float32');
  if (batchSize * perImage === 0) {
    return backend.makeOutput(filterShape, 'float32', undefined, new Float32Array(K * outChannels));
  }

  const batchMatMul = tf.getKernel('BatchMatMul', 'wasm') as TF.KernelConfig | undefined;
  if (batchMatMul == null) throw new Error(`bmnb ${name}: the wasm backend has no BatchMatMul kernel`);
  const matMul = (a: TensorInfo, b: TensorInfo): TensorInfo =>
    batchMatMul.kernelFunc({ inputs: { a, b }, backend, attrs: { transposeA: false, transposeB: false } }) as TensorInfo;

  // Chunks are runs of whole output rows (n, oh): dy rows are contiguous in NHWC, and one chunk's
  // im2col matrix stays under MAX_IM2COL_ELEMENTS (unless a single row is bigger than that).
  const totalRows = batchSize * outHeight;
  const rowsPerChunk = Math.max(1, Math.min(totalRows, Math.floor(MAX_IM2COL_ELEMENTS / (K * outWidth))));
  const dyIsFloat = dy.dtype === 'float32';
  let acc: Float32Array | null = null;

  for (let r0 = 0; r0 < totalRows; r0 += rowsPerChunk) {
    const nr = Math.min(rowsPerChunk, totalRows - r0);
    const P = nr * outWidth;
    const whole = nr === totalRows;
    // Allocate everything first: an allocation may grow the wasm memory and detach older views.
    const cols = backend.makeOutput([1, K, P], 'float32');
    const dyChunk = whole && dyIsFloat ? null : backend.makeOutput([1, P, outChannels], 'float32');
    const xv = backend.typedArrayFromHeap(x);
    const colsV = backend.typedArrayFromHeap(cols) as Float32Array;
    if (dyChunk != null) {
      const dyv = backend.typedArrayFromHeap(dy);
      const start = r0 * outWidth * outChannels;
      backend.typedArrayFromHeap(dyChunk).set(dyv.subarray(start, start + P * outChannels));
    }
    im2colTransposed(
      xv, colsV, r0, nr, inHeight, inWidth, inChannels, outHeight, outWidth,
      filterHeight, filterWidth, strideHeight, strideWidth, top, left,
    );
    const b: TensorInfo = dyChunk ?? { dataId: dy.dataId, shape: [1, P, outChannels], dtype: 'float32' };
    const prod = matMul(cols, b);
    backend.disposeData(cols.dataId);
    if (dyChunk != null) backend.disposeData(dyChunk.dataId);
    if (whole) return { dataId: prod.dataId, shape: filterShape, dtype: 'float32' };
    const pv = backend.typedArrayFromHeap(prod);
    if (acc == null) acc = Float32Array.from(pv);
    else for (let i = 0; i < acc.length; i++) acc[i] += pv[i];
    backend.disposeData(prod.dataId);
  }
  return backend.makeOutput(filterShape, 'float32', undefined, acc ?? new Float32Array(K * outChannels));
}

/**
 * Writes the patches of output rows [r0, r0 + nr) (row r = n·outH + oh) of x (NHWC) into `cols`,
 * laid out [K, P] with row k = (kh·fW + kw)·inC + ci and column p = (r - r0)·outW + ow;
 * out-of-image (padding) positions are 0.
 */
function im2colTransposed(
  xv: NumericArray, cols: Float32Array, r0: number, nr: number,
  inH: number, inW: number, inC: number, outH: number, outW: number,
  fH: number, fW: number, sH: number, sW: number, top: number, left: number,
): void {
  const P = nr * outW;
  const rowStride = inW * inC;
  const imageStride = inH * rowStride;
  const step = sW * inC;
  for (let kh = 0; kh < fH; kh++) {
    for (let kw = 0; kw < fW; kw++) {
      // Output columns whose input column ow·sW + kw - left lies inside the image.
      const owLo = Math.min(outW, Math.max(0, Math.ceil((left - kw) / sW)));
      const owHi = Math.min(outW, Math.max(owLo, Math.floor((inW - 1 + left - kw) / sW) + 1));
      const colOffset = (owLo * sW + kw - left) * inC;
      // The inC rows of this (kh, kw) start here; row ci is at base + ci·P. Pixels are visited in
      // order and each pixel's inC contiguous channels are scattered to the inC rows, so x is read
      // sequentially and each row is written sequentially.
      const base = (kh * fW + kw) * inC * P;
      let p = 0;
      let n = Math.floor(r0 / outH);
      let oh = r0 - n * outH;
      for (let r = 0; r < nr; r++, p += outW) {
        const ih = oh * sH + kh - top;
        if (ih < 0 || ih >= inH) {
          for (let ci = 0; ci < inC; ci++) cols.fill(0, base + ci * P + p, base + ci * P + p + outW);
        } else {
          if (owLo > 0) {
            for (let ci = 0; ci < inC; ci++) cols.fill(0, base + ci * P + p, base + ci * P + p + owLo);
          }
          let src = n * imageStride + ih * rowStride + colOffset;
          let d = base + p + owLo;
          const dEnd = base + p + owHi;
          if (inC === 1) {
            for (; d < dEnd; d++, src += step) cols[d] = xv[src];
          } else {
            for (; d < dEnd; d++, src += step) {
              for (let ci = 0, o = d; ci < inC; ci++, o += P) cols[o] = xv[src + ci];
            }
          }
          if (owHi < outW) {
            for (let ci = 0; ci < inC; ci++) cols.fill(0, base + ci * P + p + owHi, base + ci * P + p + outW);
          }
        }
        if (++oh === outH) {
          oh = 0;
          n++;
        }
      }
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Depthwise conv gradients. Forward: y[n, oh, ow, ci·M + m] = Σ_{kh, kw} x[n, ih, iw, ci] · W[kh, kw, ci, m]
// with ih = oh·sH + kh - top, iw = ow·sW + kw - left.

interface DepthwiseGeometry {
  N: number; inH: number; inW: number; inC: number;
  outH: number; outW: number; outC: number; M: number;
  fH: number; fW: number; sH: number; sW: number; top: number; left: number;
}

function depthwiseGeometry(
  tf: Tfjs, name: string, inShape: Shape4, filterShape: Shape4, dyShape: readonly number[], attrs: Attrs,
): DepthwiseGeometry {
  checkNHWC(attrs.dataFormat, name);
  checkNoDilation(attrs.dilations, name);
  if (inShape[3] !== filterShape[2]) {
    throw new Error(
      `bmnb ${name}: input channels (${inShape[3]}) must match filter inChannels (${filterShape[2]})`,
    );
  }
  const info = tf.backend_util.computeConv2DInfo(
    inShape,
    filterShape,
    attrs.strides as number | [number, number],
    1,
    attrs.pad as Padding,
    attrs.dimRoundingMode as RoundingMode,
    true,
    'channelsLast',
  );
  const g: DepthwiseGeometry = {
    N: info.batchSize, inH: info.inHeight, inW: info.inWidth, inC: info.inChannels,
    outH: info.outHeight, outW: info.outWidth, outC: info.outChannels, M: filterShape[3],
    fH: info.filterHeight, fW: info.filterWidth, sH: info.strideHeight, sW: info.strideWidth,
    top: info.padInfo.top, left: info.padInfo.left,
  };
  const d = as4D(dyShape, 'dy', name);
  if (d[0] !== g.N || d[1] !== g.outH || d[2] !== g.outW || d[3] !== g.outC) {
    throw new Error(
      `bmnb ${name}: dy shape [${d.join(', ')}] does not match the depthwise conv output shape ` +
        `[${[g.N, g.outH, g.outW, g.outC].join(', ')}]`,
    );
  }
  return g;
}

function depthwiseConv2dNativeBackpropFilter(
  tf: Tfjs, inputs: KernelParams['inputs'], backend: WasmBackendLike, attrs: Attrs,
): TensorInfo {
  const name = 'DepthwiseConv2dNativeBackpropFilter';
  const x = input(inputs, 'x', name);
  const dy = input(inputs, 'dy', name);
  const filterShape = as4D(attrs.filterShape as number[], 'filterShape', name);
  const g = depthwiseGeometry(tf, name, as4D(x.shape, 'x', name), filterShape, dy.shape, attrs);
  const { N, inH, inW, inC, outH, outW, outC, M, fH, fW, sH, sW, top, left } = g;
  const acc = new Float64Array(fH * fW * inC * M);
  const xv = backend.typedArrayFromHeap(x);
  const dyv = backend.typedArrayFromHeap(dy);
  const xStep = sW * inC;
  // For each row of dy and each filter tap, sum along the row in registers (4 channels at a time),
  // then add into the accumulator: far fewer memory writes than one per multiply.
  for (let n = 0; n < N; n++) {
    for (let oh = 0; oh < outH; oh++) {
      const dyRow = (n * outH + oh) * outW * outC;
      for (let kh = 0; kh < fH; kh++) {
        const ih = oh * sH + kh - top;
        if (ih < 0 || ih >= inH) continue;
        const xRow = (n * inH + ih) * inW * inC;
        for (let kw = 0; kw < fW; kw++) {
          const owLo = Math.min(outW, Math.max(0, Math.ceil((left - kw) / sW)));
          const owHi = Math.min(outW, Math.max(owLo, Math.floor((inW - 1 + left - kw) / sW) + 1));
          if (owHi <= owLo) continue;
          const xStart = xRow + (owLo * sW + kw - left) * inC;
          const dyStart = dyRow + owLo * outC;
          const wBase = (kh * fW + kw) * outC;
          if (M === 1) {
            let ci = 0;
            for (; ci + 4 <= inC; ci += 4) {
              let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
              let xi = xStart + ci;
              let di = dyStart + ci;
              for (let ow = owLo; ow < owHi; ow++, xi += xStep, di += outC) {
                s0 += xv[xi] * dyv[di];
                s1 += xv[xi + 1] * dyv[di + 1];
                s2 += xv[xi + 2] * dyv[di + 2];
                s3 += xv[xi + 3] * dyv[di + 3];
              }
              acc[wBase + ci] += s0;
              acc[wBase + ci + 1] += s1;
              acc[wBase + ci + 2] += s2;
              acc[wBase + ci + 3] += s3;
            }
            for (; ci < inC; ci++) {
              let sum = 0;
              for (let ow = owLo, xi = xStart + ci, di = dyStart + ci; ow < owHi; ow++, xi += xStep, di += outC) {
                sum += xv[xi] * dyv[di];
              }
              acc[wBase + ci] += sum;
            }
          } else {
            for (let oc = 0; oc < outC; oc++) {
              let sum = 0;
              const ci = Math.floor(oc / M);
              for (let ow = owLo, xi = xStart + ci, di = dyStart + oc; ow < owHi; ow++, xi += xStep, di += outC) {
                sum += xv[xi] * dyv[di];
              }
              acc[wBase + oc] += sum;
            }
          }
        }
      }
    }
  }
  return backend.makeOutput(filterShape, 'float32', undefined, Float32Array.from(acc));
}

function depthwiseConv2dNativeBackpropInput(
  tf: Tfjs, inputs: KernelParams['inputs'], backend: WasmBackendLike, attrs: Attrs,
): TensorInfo {
  const name = 'DepthwiseConv2dNativeBackpropInput';
  const dy = input(inputs, 'dy', name);
  const filter = input(inputs, 'filter', name);
  const inShape = as4D(attrs.inputShape as number[], 'inputShape', name);
  const g = depthwiseGeometry(tf, name, inShape, as4D(filter.shape, 'filter', name), dy.shape, attrs);
  const fast = depthwiseBackpropInputViaForward(tf, backend, dy, filter, g);
  if (fast != null) return fast;
  const { N, inH, inW, inC, outH, outW, outC, M, fH, fW, sH, sW, top, left } = g;
  const out = backend.makeOutput(inShape, 'float32');
  const dx = backend.typedArrayFromHeap(out) as Float32Array;
  const dyv = backend.typedArrayFromHeap(dy);
  const wv = backend.typedArrayFromHeap(filter);
  dx.fill(0);
  for (let n = 0; n < N; n++) {
    for (let oh = 0; oh < outH; oh++) {
      for (let kh = 0; kh < fH; kh++) {
        const ih = oh * sH + kh - top;
        if (ih < 0 || ih >= inH) continue;
        const dxRow = (n * inH + ih) * inW;
        for (let ow = 0; ow < outW; ow++) {
          const dyBase = ((n * outH + oh) * outW + ow) * outC;
          for (let kw = 0; kw < fW; kw++) {
            const iw = ow * sW + kw - left;
            if (iw < 0 || iw >= inW) continue;
            const dxBase = (dxRow + iw) * inC;
            const wBase = (kh * fW + kw) * inC * M;
            if (M === 1) {
              for (let ci = 0; ci < inC; ci++) dx[dxBase + ci] += dyv[dyBase + ci] * wv[wBase + ci];
            } else {
              for (let ci = 0; ci < inC; ci++) {
                const o = ci * M;
                let s = 0;
                for (let m = 0; m < M; m++) s += dyv[dyBase + o + m] * wv[wBase + o + m];
                dx[dxBase + ci] += s;
              }
            }
          }
        }
      }
    }
  }
  return out;
}

/**
 * DepthwiseConv2dNativeBackpropInput as a forward depthwise convolution, run by the wasm backend's
 * own (XNNPACK) DepthwiseConv2dNative kernel: dy, dilated by the strides (zeros between rows and
 * columns) and padded by (f - 1 - pad), convolved with the spatially flipped filter, gives dx
 * (per output channel ci·M + m; the M channels of each input channel are then summed). Returns null
 * when the geometry does not fit (the caller then uses plain loops).
 */
function depthwiseBackpropInputViaForward(
  tf: Tfjs, backend: WasmBackendLike, dy: TensorInfo, filter: TensorInfo, g: DepthwiseGeometry,
): TensorInfo | null {
  const { N, inH, inW, inC, outH, outW, outC, M, fH, fW, sH, sW, top, left } = g;
  const forward = tf.getKernel('DepthwiseConv2dNative', 'wasm') as TF.KernelConfig | undefined;
  if (forward == null || N * inH * inW * inC === 0 || outH * outW === 0) return null;
  // Extent of dy once dilated by the strides, and the padding of the equivalent forward conv.
  const dH = (outH - 1) * sH + 1;
  const dW = (outW - 1) * sW + 1;
  const padTop = fH - 1 - top;
  const padLeft = fW - 1 - left;
  const padBottom = inH + fH - 1 - dH - padTop;
  const padRight = inW + fW - 1 - dW - padLeft;
  if (padTop < 0 || padLeft < 0 || padBottom < 0 || padRight < 0) return null;

  const dilate = sH !== 1 || sW !== 1 || dy.dtype !== 'float32';
  const flipped = backend.makeOutput([fH, fW, outC, 1], 'float32');
  const dyD = dilate ? backend.makeOutput([N, dH, dW, outC], 'float32') : null;
  {
    const wv = backend.typedArrayFromHeap(filter);
    const fv = backend.typedArrayFromHeap(flipped) as Float32Array;
    // filter [fH, fW, inC, M] is also [fH, fW, outC] since outC = inC·M.
    for (let kh = 0; kh < fH; kh++) {
      for (let kw = 0; kw < fW; kw++) {
        const src = (kh * fW + kw) * outC;
        const dst = ((fH - 1 - kh) * fW + (fW - 1 - kw)) * outC;
        for (let c = 0; c < outC; c++) fv[dst + c] = wv[src + c];
      }
    }
    if (dyD != null) {
      dilateInto(backend.typedArrayFromHeap(dy), backend.typedArrayFromHeap(dyD) as Float32Array, N, outH, outW, outC, sH, sW, dH, dW);
    }
  }
  const conv = forward.kernelFunc({
    inputs: { x: dyD ?? dy, filter: flipped },
    backend,
    attrs: {
      strides: [1, 1],
      dilations: [1, 1],
      pad: [[0, 0], [padTop, padBottom], [padLeft, padRight], [0, 0]],
    },
  }) as TensorInfo;
  backend.disposeData(flipped.dataId);
  if (dyD != null) backend.disposeData(dyD.dataId);
  if (M === 1) return { dataId: conv.dataId, shape: [N, inH, inW, inC], dtype: 'float32' };
  const out = backend.makeOutput([N, inH, inW, inC], 'float32');
  const cv = backend.typedArrayFromHeap(conv);
  const ov = backend.typedArrayFromHeap(out) as Float32Array;
  for (let i = 0, j = 0; i < ov.length; i++) {
    let sum = 0;
    for (let m = 0; m < M; m++) sum += cv[j++];
    ov[i] = sum;
  }
  backend.disposeData(conv.dataId);
  return out;
}

// ---------------------------------------------------------------------------------------------
// UnsortedSegmentSum (gradient of gather / tf.layers.embedding):
// out[s, ...] = Σ_{i : segmentIds[i] = s} x[i, ...]; ids outside [0, numSegments) are dropped.

function unsortedSegmentSum(
  _tf: Tfjs, inputs: KernelParams['inputs'], backend: WasmBackendLike, attrs: Attrs,
): TensorInfo {
  const name = 'UnsortedSegmentSum';
  const x = input(inputs, 'x', name);
  const segmentIds = input(inputs, 'segmentIds', name);
  const numSegments = Number(attrs.numSegments);
  if (!Number.isInteger(numSegments) || numSegments < 0) {
    throw new Error(`bmnb ${name}: numSegments must be a non-negative integer, got ${String(attrs.numSegments)}`);
  }
  const idRank = segmentIds.shape.length;
  for (let i = 0; i < idRank; i++) {
    if (x.shape[i] !== segmentIds.shape[i]) {
      throw new Error(
        `bmnb ${name}: segmentIds shape [${segmentIds.shape.join(', ')}] must be a prefix of ` +
          `x shape [${x.shape.join(', ')}]`,
      );
    }
  }
  const dtype: TF.DataType = x.dtype === 'int32' ? 'int32' : 'float32';
  const innerShape = x.shape.slice(idRank);
  const inner = sizeOf(innerShape);
  const numIds = sizeOf(segmentIds.shape);
  const out = backend.makeOutput([numSegments, ...innerShape], dtype);
  const ov = backend.typedArrayFromHeap(out);
  const xv = backend.typedArrayFromHeap(x);
  const ids = backend.typedArrayFromHeap(segmentIds);
  ov.fill(0);
  for (let i = 0; i < numIds; i++) {
    const s = ids[i];
    if (!(s >= 0 && s < numSegments)) continue;
    const o = Math.trunc(s) * inner;
    const src = i * inner;
    for (let j = 0; j < inner; j++) ov[o + j] += xv[src + j];
  }
  return out;
}
