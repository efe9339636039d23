/**
 * A faster `MaxPoolGrad` on wasm. tfjs-backend-wasm 4.22's is a plain C++ loop (43 ms for
 * `[128,26,26,32]`); here one pass over each window finds the first strict maximum (the cpu
 * backend's rule, which matters after a ReLU, where windows of zeros tie) and adds dy there: four
 * channels at a time in bmnb's SIMD kernel (src/backends/simd/kernels.c), or in JS (15 ms) where
 * that was not built. Non-float32 and shapes it does not cover go to the backend's own kernel. The
 * fix belongs in tfjs (`MaxPoolGrad`'s loops in `tfjs-backend-wasm/src/cc/kernels/`).
 */
import { simdKernels } from '../simd';
import { MIN_SPLIT_ELEMENTS, moving, SIZE } from '../simdPool';
import type { Tfjs } from '../tfjs';
import type { Op } from './op';
import { as4D, asWasmBackend, input, type Padding, type RoundingMode, type TensorInfo, type WasmBackendLike, type WasmCall } from './wasmHeap';

export const maxPoolGrad: Op<WasmBackendLike> = {
  kernelName: 'MaxPoolGrad',
  backendName: 'wasm',
  reason: 'faster',
  backend: asWasmBackend,
  run,
};

// MaxPoolGrad: dx[p] = Σ over the windows whose first strict maximum (row-major in the window,
// NaN never a maximum; a window of -∞ or NaN only has none) is at p, of dy at that window.

function run(tf: Tfjs, { inputs, backend, attrs }: WasmCall): TensorInfo | null {
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
  const simd = simdKernels(backend.wasm);
  if (simd) {
    // Runs of whole images on the SIMD pool's threads (one for a small batch or image).
    const image = H * W * C;
    simd.pool.run({
      name: 'max_pool_grad',
      n: N,
      chunks: N * image >= MIN_SPLIT_ELEMENTS ? undefined : 1,
      args: [moving(xv.byteOffset, image), moving(dyv.byteOffset, oH * oW * C), moving(dx.byteOffset, image), SIZE, H, W, C, oH, oW, fH, fW, sH, sW, top, left],
    });
    return out;
  }
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
