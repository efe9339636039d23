/**
 * tfjs-backend-wasm 4.22's `BatchMatMul` (and `_FusedMatMul`) with `transposeA` or `transposeB`
 * takes a slow path in its C++ (5–16× slower than the untransposed product of the same size on
 * our 2-core machine: [128,784]ᵀ×[128,64] 3.6 ms vs 0.7 ms transposed first; see README
 * "Backends"). Every dense layer's backward pass calls matMul with one of those flags, so this
 * slows each training step. This wraps both kernels: when a flag is set, the operand is
 * transposed with the backend's own `Transpose` kernel into a temporary heap buffer, the original
 * kernel runs untransposed, and the temporary is freed, so the engine sees exactly one new data
 * buffer (the output). Untransposed calls go straight to the original kernel.
 * (A fix belongs in tfjs: its batch_mat_mul.cc falls back to a naive loop for transposes.)
 */
import type * as TF from '@tensorflow/tfjs';

type Tfjs = typeof import('@tensorflow/tfjs');
type TensorInfo = TF.TensorInfo;

interface WasmBackendLike {
  disposeData(dataId: TensorInfo['dataId'], force?: boolean): boolean;
}

const FIXED = Symbol.for('bmnb.wasmMatMulTransposeFix');

/** The kernels wrapped. */
export const WASM_MATMUL_KERNELS = ['BatchMatMul', '_FusedMatMul'] as const;

/**
 * Replaces wasm's BatchMatMul and _FusedMatMul with ones that transpose explicitly before the
 * untransposed kernel. Idempotent; returns the names of the kernels wrapped (now or earlier).
 * Call after `@tensorflow/tfjs-backend-wasm` is imported.
 */
export function registerWasmMatMulFix(tf: Tfjs): string[] {
  const transposeKernel = tf.getKernel('Transpose', 'wasm');
  if (!transposeKernel) return [];
  const done: string[] = [];
  for (const name of WASM_MATMUL_KERNELS) {
    const original = tf.getKernel(name, 'wasm');
    if (!original) continue;
    if ((original.kernelFunc as unknown as Record<symbol, unknown>)[FIXED]) {
      done.push(name);
      continue;
    }
    const kernelFunc: TF.KernelFunc = (args) => {
      const attrs = (args.attrs ?? {}) as { transposeA?: boolean; transposeB?: boolean };
      if (!attrs.transposeA && !attrs.transposeB) return original.kernelFunc(args);
      const { a, b } = args.inputs as { a: TensorInfo; b: TensorInfo };
      if (a.dtype !== 'float32' || b.dtype !== 'float32') return original.kernelFunc(args);
      const backend = args.backend as unknown as WasmBackendLike;
      const temps: TensorInfo[] = [];
      const swapLast = (x: TensorInfo): TensorInfo => {
        const r = x.shape.length;
        const perm = x.shape.map((_, i) => (i === r - 2 ? r - 1 : i === r - 1 ? r - 2 : i));
        const t = transposeKernel.kernelFunc({
          inputs: { x },
          backend: args.backend,
          attrs: { perm } as unknown as TF.NamedAttrMap,
        }) as TensorInfo;
        temps.push(t);
        return t;
      };
      try {
        const inputs = {
          ...args.inputs,
          a: attrs.transposeA ? swapLast(a) : a,
          b: attrs.transposeB ? swapLast(b) : b,
        };
        return original.kernelFunc({
          ...args,
          inputs,
          attrs: { ...(args.attrs ?? {}), transposeA: false, transposeB: false } as unknown as TF.NamedAttrMap,
        });
      } finally {
        for (const t of temps) backend.disposeData(t.dataId);
      }
    };
    Object.defineProperty(kernelFunc, FIXED, { value: true });
    tf.unregisterKernel(name, 'wasm');
    tf.registerKernel({ ...original, kernelFunc });
    done.push(name);
  }
  return done;
}
