/**
 * A fixed `OneHot` on wasm. tfjs-backend-wasm 4.22's ignores its `dtype`: asked for float32
 * (Keras' to_categorical and `tf.oneHot(…, 'float32')`), it writes int32 bits into a float32
 * tensor, so 1 reads as 1.4e-45 and a model trained on such labels learns nothing. int32 still goes
 * to the backend's own kernel; any other dtype is filled in JS from the indices on the wasm heap.
 * The fix belongs in tfjs: OneHot.cc writes int32 whatever the output dtype.
 */
import type { TF } from '../tfjs';
import type { Op } from './op';
import { asWasmBackend, type TensorInfo, type WasmBackendLike } from './wasmHeap';

export const oneHot: Op<WasmBackendLike> = {
  kernelName: 'OneHot',
  backendName: 'wasm',
  reason: 'fix',
  backend: asWasmBackend,
  run(_tf, { inputs, backend, attrs }): TensorInfo | null {
    const { depth, onValue, offValue, dtype = 'int32' } = attrs as { depth: number; onValue?: number; offValue?: number; dtype?: TF.DataType };
    if (dtype === 'int32') return null;
    const indices = inputs.indices as TensorInfo;
    const ids = backend.typedArrayFromHeap(indices);
    const out = new Float32Array(ids.length * depth).fill(offValue ?? 0);
    const on = onValue ?? 1;
    for (let i = 0; i < ids.length; i++) {
      const k = ids[i]!;
      if (k >= 0 && k < depth) out[i * depth + k] = on;
    }
    return backend.makeOutput([...indices.shape, depth], dtype, undefined, out);
  },
};
