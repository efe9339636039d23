/**
 * `Conv2DBackpropFilter` on wasm, which tfjs-backend-wasm 4.22 does not ship: the gradient of
 * conv2d (and conv2dTranspose, separableConv2d) with respect to the filter, without which no CNN
 * trains on wasm. The other training kernels it lacks are the depthwise conv gradients and
 * `UnsortedSegmentSum` (files beside this one); `Conv2DBackpropInput`, `MaxPoolGrad`,
 * `AvgPoolGrad`, `FusedBatchNorm` and everything dropout, dense, flatten and batchNormalization
 * need are the backend's own.
 *
 * It builds an im2col matrix [fH·fW·inC, N·outH·outW] of x in one pass and multiplies it by dy, in
 * chunks of output rows of at most 64 MiB. With bmnb's SIMD kernels (src/backends/simd/kernels.c)
 * both steps are theirs, split across the SIMD pool's threads: the product keeps blocks of dW in
 * registers while it streams through the long inner dimension (every output pixel). Without them:
 * im2col in JS and the backend's `BatchMatMul` (XNNPACK), which packs its second operand, dy, a new
 * tensor every step, before each product (14 ms of a 20 ms product for CIFAR's first conv; the
 * product itself is 3.5 ms). Like the backend's own kernels it works on the wasm heap (reads and writes through
 * `backend.typedArrayFromHeap`, allocates with `backend.makeOutput`, frees its intermediates), so
 * the engine sees exactly one new data buffer per call and nothing is recorded on a gradient tape.
 * Only NHWC and dilations 1 (tfjs's own conv gradients refuse other dilations); anything else
 * throws, naming the op.
 */
import { simdKernels, simdProductOn, type SimdKernels } from '../simd';
import { MIN_SPLIT_ELEMENTS, moving, SIZE } from '../simdPool';
import { simdProduct } from './simdProduct';
import type { Tfjs, TF } from '../tfjs';
import type { Op } from './op';
import {
  as4D, asWasmBackend, checkNHWC, checkNoDilation, input,
  type NumericArray, type Padding, type RoundingMode, type TensorInfo, type WasmBackendLike, type WasmCall,
} from './wasmHeap';


/** Upper bound (in float32 elements) on one im2col chunk: 64 MiB. */
const MAX_IM2COL_ELEMENTS = 1 << 24;

export const conv2DBackpropFilter: Op<WasmBackendLike> = {
  kernelName: 'Conv2DBackpropFilter',
  backendName: 'wasm',
  reason: 'missing',
  backend: asWasmBackend,
  run,
};

// ---------------------------------------------------------------------------------------------
// Conv2DBackpropFilter: dW[kh, kw, ci, co] = Σ_{n, oh, ow} x[n, oh*sH + kh - top, ow*sW + kw - left, ci]
//                                                          · dy[n, oh, ow, co]
// computed as im2col(x)ᵀ · dy with the im2col matrix laid out [K = fH·fW·inC, P = N·outH·outW]
// (wasm BatchMatMul is fast without transposes and slow with them).

function run(tf: Tfjs, { inputs, backend, attrs }: WasmCall): TensorInfo {
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

  const simd = x.dtype === 'float32' && dy.dtype === 'float32' ? simdKernels(backend.wasm) : undefined;
  if (simd && simdProductOn()) return simdPath(simd, backend, x, dy, info, filterShape);

  // Without the SIMD kernels: the im2col matrix in JS and the backend's product (XNNPACK).
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
    if (simd) {
      im2colThreaded(simd, xv.byteOffset, colsV.byteOffset, r0, nr, info);
    } else {
      im2colTransposed(
        xv, colsV, r0, nr, inHeight, inWidth, inChannels, outHeight, outWidth,
        filterHeight, filterWidth, strideHeight, strideWidth, top, left,
      );
    }
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

type ConvInfo = TF.backend_util.Conv2DInfo;

/** im2col of output rows [r0, r0 + nr) into cols [K, nr·outW], by runs of rows on the SIMD pool's threads. */
function im2colThreaded(simd: SimdKernels, x: number, cols: number, r0: number, nr: number, info: ConvInfo): void {
  const { inHeight, inWidth, inChannels, outHeight, outWidth, filterHeight, filterWidth, strideHeight, strideWidth } = info;
  const P = nr * outWidth;
  const K = filterHeight * filterWidth * inChannels;
  simd.pool.run({
    name: 'im2col_transposed',
    n: nr,
    chunks: K * P >= MIN_SPLIT_ELEMENTS ? undefined : 1,
    // x, cols from the chunk's first row, its first row overall, its rows, then the geometry.
    args: [
      x, moving(cols, outWidth), [r0, 1, 0], SIZE, P, inHeight, inWidth, inChannels, outHeight, outWidth,
      filterHeight, filterWidth, strideHeight, strideWidth, info.padInfo.top, info.padInfo.left,
    ],
  });
}

/**
 * dW in bmnb's SIMD kernels: im2col, then cols [K, P] · dy [P, outC] summed in registers
 * (simdProduct.ts), chunk by chunk of output rows into dw; both on the SIMD pool's threads.
 */
function simdPath(simd: SimdKernels, backend: WasmBackendLike, x: TensorInfo, dy: TensorInfo, info: ConvInfo, filterShape: number[]): TensorInfo {
  const { batchSize, outHeight, outWidth, outChannels: C, filterHeight, filterWidth, inChannels } = info;
  const K = filterHeight * filterWidth * inChannels;
  const out = backend.makeOutput(filterShape, 'float32');
  const totalRows = batchSize * outHeight;
  const rowsPerChunk = Math.max(1, Math.min(totalRows, Math.floor(MAX_IM2COL_ELEMENTS / (K * outWidth))));
  for (let r0 = 0; r0 < totalRows; r0 += rowsPerChunk) {
    const nr = Math.min(rowsPerChunk, totalRows - r0);
    const P = nr * outWidth;
    const cols = backend.makeOutput([K, P], 'float32');
    try {
      // Heap addresses do not move when the memory grows (only views do).
      const [dw, xv, dyv, colsV] = [out, x, dy, cols].map((t) => backend.typedArrayFromHeap(t).byteOffset) as [number, number, number, number];
      im2colThreaded(simd, xv, colsV, r0, nr, info);
      simdProduct(simd, colsV, dyv + 4 * r0 * outWidth * C, dw, K, P, C, { accumulate: r0 > 0 });
    } finally {
      backend.disposeData(cols.dataId);
    }
  }
  return out;
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
