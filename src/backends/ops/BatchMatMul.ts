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
import { simdKernels, simdProductOn } from '../simd';
import type { Tfjs, TF } from '../tfjs';
import type { Op, OpCall } from './op';
import { simdProduct } from './simdProduct';
import { asWasmBackend, sizeOf, type TensorInfo, type WasmBackendLike, type WasmCall } from './wasmHeap';

/** The op for `kernelName` (BatchMatMul or _FusedMatMul): transpose explicitly, then the untransposed kernel. */
export function untransposedMatMul(kernelName: 'BatchMatMul' | '_FusedMatMul'): Op<WasmBackendLike> {
  return {
    kernelName,
    backendName: 'wasm',
    reason: 'faster',
    backend: asWasmBackend,
    run: (tf, call, original) => (kernelName === 'BatchMatMul' ? simdMatMul(tf, call) : null) ?? run(tf, call, original!),
  };
}

export const batchMatMul = untransposedMatMul('BatchMatMul');

/** The fewest multiply-adds for which bmnb's SIMD product runs a BatchMatMul (below: XNNPACK). */
const MIN_SIMD_WORK = 1 << 12;

/**
 * A BatchMatMul of one matrix by one (every dense layer: batch dimensions all 1) in bmnb's SIMD
 * product (simdProduct.ts), which reads a transposed a in place; a transposed b is transposed first. XNNPACK packs its second
 * operand before each product, and in training that is a new tensor every step (the weights
 * after an update, dy, or a transposed copy): 5.6–9.2 ms for the three products of CNN 004's
 * 5408×128 layer at batch 128, against 2–4 ms here. Null for anything else (batches, other
 * dtypes, no SIMD module, tiny products, `BMNB_SIMD_PRODUCT=0`).
 */
function simdMatMul(tf: Tfjs, call: WasmCall): TensorInfo | null {
  const { attrs, backend } = call;
  const { a, b } = call.inputs as { a: TensorInfo; b: TensorInfo };
  if (a.dtype !== 'float32' || b.dtype !== 'float32' || a.shape.length < 2 || b.shape.length < 2) return null;
  if (sizeOf(a.shape.slice(0, -2)) !== 1 || sizeOf(b.shape.slice(0, -2)) !== 1) return null;
  const [ar, ac] = a.shape.slice(-2) as [number, number];
  const [br, bc] = b.shape.slice(-2) as [number, number];
  const [M, K] = attrs.transposeA ? [ac, ar] : [ar, ac];
  const [K2, N] = attrs.transposeB ? [bc, br] : [br, bc];
  if (K !== K2 || M * K * N < MIN_SIMD_WORK || !simdProductOn()) return null;
  const simd = simdKernels(backend.wasm);
  const transposer = transposing(tf, backend);
  if (!simd || !transposer) return null;
  const outShape = [...tf.backend_util.assertAndGetBroadcastShape(a.shape.slice(0, -2), b.shape.slice(0, -2)), M, N];
  try {
    // a transposed is read in place; b transposed is transposed first (its rows must be contiguous).
    const B = attrs.transposeB ? transposer.swapLast(b) : b;
    const out = backend.makeOutput(outShape, 'float32');
    // Heap addresses do not move when the memory grows (only views do).
    const [o, av, bv] = [out, a, B].map((t) => backend.typedArrayFromHeap(t).byteOffset) as [number, number, number];
    simdProduct(simd, av, bv, o, M, K, N, { aTransposed: Boolean(attrs.transposeA) });
    return out;
  } finally {
    transposer.dispose();
  }
}

/** The backend's own Transpose of the last two axes, into temporaries freed by `dispose`. */
function transposing(tf: Tfjs, backend: WasmBackendLike): { swapLast(x: TensorInfo): TensorInfo; dispose(): void } | null {
  const transpose = tf.getKernel('Transpose', 'wasm') as TF.KernelConfig | undefined;
  if (!transpose) return null;
  const temps: TensorInfo[] = [];
  return {
    swapLast(x) {
      const r = x.shape.length;
      const perm = x.shape.map((_, i) => (i === r - 2 ? r - 1 : i === r - 1 ? r - 2 : i));
      const t = transpose.kernelFunc({
        inputs: { x },
        backend: backend as unknown as TF.KernelBackend,
        attrs: { perm } as unknown as TF.NamedAttrMap,
      }) as TensorInfo;
      temps.push(t);
      return t;
    },
    dispose() {
      for (const t of temps) backend.disposeData(t.dataId);
    },
  };
}

function run(tf: Tfjs, call: WasmCall, original: (call: OpCall<WasmBackendLike>) => TensorInfo | TensorInfo[]): TensorInfo | TensorInfo[] | null {
  const { attrs, backend } = call;
  if (!attrs.transposeA && !attrs.transposeB) return null;
  const { a, b } = call.inputs as { a: TensorInfo; b: TensorInfo };
  if (a.dtype !== 'float32' || b.dtype !== 'float32') return null;
  const transposer = transposing(tf, backend);
  if (!transposer) return null;
  const swapLast = (x: TensorInfo) => transposer.swapLast(x);
  try {
    const inputs = { ...call.inputs, a: attrs.transposeA ? swapLast(a) : a, b: attrs.transposeB ? swapLast(b) : b };
    return original({ inputs, backend, attrs: { ...attrs, transposeA: false, transposeB: false } });
  } finally {
    transposer.dispose();
  }
}
