/**
 * A faster `Sum` on wasm over the leading axes, the gradient of every bias: `sum(dy, [0, 1, 2])`
 * of a conv's `[N, H, W, C]`. tfjs-backend-wasm 4.22 transposes the reduced axes to the end
 * first (a copy of the whole gradient), then reduces (7 ms for `[128, 26, 26, 32]`); bmnb's SIMD
 * kernel adds the rows in place, four channels at a time, each output a running sum in row order.
 * Other axes, other dtypes, or no SIMD module: the backend's own kernel.
 */
import { simdKernels } from '../simd';
import type { Tfjs } from '../tfjs';
import type { Op } from './op';
import { asWasmBackend, input, type TensorInfo, type WasmBackendLike, type WasmCall } from './wasmHeap';

export const sum: Op<WasmBackendLike> = {
  kernelName: 'Sum',
  backendName: 'wasm',
  reason: 'faster',
  backend: asWasmBackend,
  run,
};

function run(tf: Tfjs, { inputs, backend, attrs }: WasmCall): TensorInfo | null {
  const x = input(inputs, 'x', 'Sum');
  const rank = x.shape.length;
  if (x.dtype !== 'float32' || rank < 2) return null;
  const axes = tf.util.parseAxisParam(attrs.axis as number | number[], x.shape);
  const k = axes.length;
  // Only the leading axes, each once, and not all of them.
  if (k === 0 || k >= rank || [...axes].sort((a, b) => a - b).some((a, i) => a !== i)) return null;
  const simd = simdKernels(backend.wasm);
  if (!simd) return null;
  const rows = x.shape.slice(0, k).reduce((a, b) => a * b, 1);
  const c = x.shape.slice(k).reduce((a, b) => a * b, 1);
  const shape = attrs.keepDims ? x.shape.map((d, i) => (i < k ? 1 : d)) : x.shape.slice(k);
  const out = backend.makeOutput(shape, 'float32');
  const outv = backend.typedArrayFromHeap(out);
  const xv = backend.typedArrayFromHeap(x);
  simd.sumRows(xv.byteOffset, outv.byteOffset, rows, c);
  return out;
}
