/**
 * tfjs-backend-wasm 4.22's `OneHot` ignores its `dtype`: asked for float32 (Keras' to_categorical
 * and `tf.oneHot(…, 'float32')`), it writes int32 bits into a float32 tensor, so 1 reads as
 * 1.4e-45 and a model trained on such labels learns nothing. This wraps the kernel: int32 still
 * goes to the backend's own; any other dtype is filled in JS from the indices on the wasm heap.
 * (A fix belongs in tfjs: OneHot.cc writes int32 whatever the output dtype.)
 */
import type * as TF from '@tensorflow/tfjs';

type Tfjs = typeof import('@tensorflow/tfjs');

interface WasmBackendLike {
  makeOutput(shape: number[], dtype: TF.DataType, memoryOffset?: number, values?: TF.TypedArray): TF.TensorInfo;
  typedArrayFromHeap(info: TF.TensorInfo): Float32Array | Int32Array | Uint8Array;
}

const FIXED = Symbol.for('bmnb.wasmOneHotFix');

/** Replaces wasm's OneHot with one that honours dtype. Idempotent; returns whether it is in place. */
export function registerWasmOneHotFix(tf: Tfjs): boolean {
  const original = tf.getKernel('OneHot', 'wasm');
  if (!original) return false;
  if ((original.kernelFunc as unknown as Record<symbol, unknown>)[FIXED]) return true;
  const kernelFunc: TF.KernelFunc = (args) => {
    const attrs = (args.attrs ?? {}) as { depth: number; onValue?: number; offValue?: number; dtype?: TF.DataType };
    const dtype = attrs.dtype ?? 'int32';
    if (dtype === 'int32') return original.kernelFunc(args);
    const backend = args.backend as WasmBackendLike;
    const indices = args.inputs.indices as TF.TensorInfo;
    const ids = backend.typedArrayFromHeap(indices);
    const depth = attrs.depth;
    const out = new Float32Array(ids.length * depth).fill(attrs.offValue ?? 0);
    const on = attrs.onValue ?? 1;
    for (let i = 0; i < ids.length; i++) {
      const k = ids[i]!;
      if (k >= 0 && k < depth) out[i * depth + k] = on;
    }
    return backend.makeOutput([...indices.shape, depth], dtype, undefined, out);
  };
  Object.defineProperty(kernelFunc, FIXED, { value: true });
  tf.unregisterKernel('OneHot', 'wasm');
  tf.registerKernel({ ...original, kernelFunc });
  return true;
}
