/**
 * A faster `BatchMatMul` on wasm when `transposeA` or `transposeB` is set. tfjs-backend-wasm
 * 4.22 takes a slow path in its C++ then (5–16× slower than the untransposed product of the same
 * size on our 2-core machine: [128,784]ᵀ×[128,64] 3.72 ms, 0.63 ms transposed first; docs/performance.md), and every
 * dense layer's backward pass sets one of those flags. Here the operand is transposed with the
 * backend's own `Transpose` kernel into a temporary heap buffer, the backend's own kernel runs
 * untransposed, and the temporary is freed, so the engine sees exactly one new data buffer (the
 * output). Untransposed and non-float32 calls go straight to the backend's own kernel.
 * `_FusedMatMul` gets the same treatment (_FusedMatMul.ts). The fix belongs in tfjs: its
 * batch_mat_mul.cc falls back to a naive loop for transposes.
 */
import type { Tfjs, TF } from '../tfjs';
import type { Op, OpCall } from './op';
import { asWasmBackend, type TensorInfo, type WasmBackendLike, type WasmCall } from './wasmHeap';

/** The op for `kernelName` (BatchMatMul or _FusedMatMul): transpose explicitly, then the untransposed kernel. */
export function untransposedMatMul(kernelName: 'BatchMatMul' | '_FusedMatMul'): Op<WasmBackendLike> {
  return {
    kernelName,
    backendName: 'wasm',
    reason: 'faster',
    backend: asWasmBackend,
    run: (tf, call, original) => run(tf, call, original!),
  };
}

export const batchMatMul = untransposedMatMul('BatchMatMul');

function run(tf: Tfjs, call: WasmCall, original: (call: OpCall<WasmBackendLike>) => TensorInfo | TensorInfo[]): TensorInfo | TensorInfo[] | null {
  const { attrs, backend } = call;
  if (!attrs.transposeA && !attrs.transposeB) return null;
  const { a, b } = call.inputs as { a: TensorInfo; b: TensorInfo };
  if (a.dtype !== 'float32' || b.dtype !== 'float32') return null;
  const transpose = tf.getKernel('Transpose', 'wasm') as TF.KernelConfig | undefined;
  if (!transpose) return null;
  const temps: TensorInfo[] = [];
  const swapLast = (x: TensorInfo): TensorInfo => {
    const r = x.shape.length;
    const perm = x.shape.map((_, i) => (i === r - 2 ? r - 1 : i === r - 1 ? r - 2 : i));
    const t = transpose.kernelFunc({
      inputs: { x },
      backend: backend as unknown as TF.KernelBackend,
      attrs: { perm } as unknown as TF.NamedAttrMap,
    }) as TensorInfo;
    temps.push(t);
    return t;
  };
  try {
    const inputs = { ...call.inputs, a: attrs.transposeA ? swapLast(a) : a, b: attrs.transposeB ? swapLast(b) : b };
    return original({ inputs, backend, attrs: { ...attrs, transposeA: false, transposeB: false } });
  } finally {
    for (const t of temps) backend.disposeData(t.dataId);
  }
}
