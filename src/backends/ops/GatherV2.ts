/**
 * A faster `GatherV2` on wasm. tfjs-backend-wasm 4.22's runs a C++ loop that works out a
 * multi-dimensional index per element: 3.1 ms for the 128 rows of 784 floats `model.fit` gathers
 * for each batch of MNIST, more than half of a dense model's training step. Here each gathered
 * slice is one contiguous copy: 0.12 ms (docs/performance.md). Indices are checked as the original checks them, with
 * its message; strings go to the backend's own kernel. The fix belongs in tfjs (`Gather.cc`
 * should copy slices, not elements).
 */
import type { Tfjs } from '../tfjs';
import type { Op } from './op';
import { asWasmBackend, copy, input, sizeOf, type TensorInfo, type WasmBackendLike, type WasmCall } from './wasmHeap';

export const gatherV2: Op<WasmBackendLike> = {
  kernelName: 'GatherV2',
  backendName: 'wasm',
  reason: 'faster',
  backend: asWasmBackend,
  run,
};

function run(tf: Tfjs, { inputs, backend, attrs }: WasmCall): TensorInfo | null {
  const x = input(inputs, 'x', 'GatherV2');
  const indices = input(inputs, 'indices', 'GatherV2');
  if (x.dtype === 'string') return null;
  const axis = tf.util.parseAxisParam(attrs.axis as number, x.shape)[0];
  const batchDims = (attrs.batchDims as number | undefined) ?? 0;
  const axisDim = x.shape[axis];
  const ids = backend.typedArrayFromHeap(indices); // read before makeOutput, which may detach it
  for (let i = 0; i < ids.length; i++) {
    const index = ids[i];
    // The original kernel's check and message.
    tf.util.assert(index <= axisDim - 1 && index >= 0, () => `GatherV2: the index value ${index} is not in [0, ${axisDim - 1}]`);
  }
  const info = tf.backend_util.segment_util.collectGatherOpShapeInfo(
    x as unknown as Parameters<Tfjs['backend_util']['segment_util']['collectGatherOpShapeInfo']>[0],
    indices as unknown as Parameters<Tfjs['backend_util']['segment_util']['collectGatherOpShapeInfo']>[1],
    axis,
    batchDims,
  );
  const out = backend.makeOutput(info.outputShape, x.dtype);
  if (sizeOf(x.shape) === 0 || sizeOf(info.outputShape) === 0) return out;
  const xv = backend.typedArrayFromHeap(x);
  const ov = backend.typedArrayFromHeap(out);
  const iv = backend.typedArrayFromHeap(indices);
  // x is [batch, outer, dim, slice] and out [batch, outer, idsPerBatch, slice].
  const { batchSize, outerSize, dimSize, sliceSize } = info;
  const perBatch = sizeOf(indices.shape) / batchSize;
  let dst = 0;
  for (let b = 0; b < batchSize; b++) {
    for (let o = 0; o < outerSize; o++) {
      const base = (b * outerSize + o) * dimSize;
      for (let i = 0; i < perBatch; i++, dst += sliceSize) copy(xv, (base + iv[b * perBatch + i]) * sliceSize, ov, dst, sliceSize);
    }
  }
  return out;
}
