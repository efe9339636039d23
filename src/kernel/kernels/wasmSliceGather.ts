/**
 * `Slice` and `GatherV2` of `@tensorflow/tfjs-backend-wasm` 4.22 cost time in proportion to the
 * whole input, not to what they return, and every `model.fit` calls them once per batch:
 *
 * - `Slice` starts with `backend.readSync(x)`, which copies all of x out of the wasm heap before
 *   it takes the part asked for: `xTrain.slice(0, 128)` of a [25600, 28, 28, 1] tensor takes
 *   ~200 ms (an 80 MB copy) where the cpu backend takes 0.1 ms. Here the part is copied straight
 *   from a view of the heap (whole runs of the last axis at a time).
 * - `GatherV2` runs a C++ loop that works out a multi-dimensional index per element: 1.5 ms for
 *   the 128 rows of 784 floats fit gathers for each batch of MNIST, which is more than half of a
 *   dense model's training step. Here each gathered slice is one contiguous copy.
 *
 * Both leave strings (and nothing else) to the original kernel, check indices as it does, and
 * allocate exactly one output. The fixes belong in tfjs (`kernels/Slice.ts` should read through
 * `typedArrayFromHeap`; `Gather.cc` should copy slices, not elements).
 */
import {
  input, replaceWasmKernels, sizeOf,
  type Attrs, type FastPath, type KernelParams, type NumericArray, type TensorInfo, type Tfjs, type WasmBackendLike,
} from './wasmCommon';

const FAST = Symbol.for('bmnb.wasmSliceGather');

const REPLACEMENTS: ReadonlyArray<readonly [string, FastPath]> = [
  ['Slice', slice],
  ['GatherV2', gather],
];

/**
 * Replaces wasm's Slice and GatherV2 with copies from heap views. Idempotent; returns the names
 * replaced (now or earlier). Call after `@tensorflow/tfjs-backend-wasm` is imported.
 */
export function registerWasmSliceGatherKernels(tf: Tfjs): string[] {
  return replaceWasmKernels(tf, FAST, REPLACEMENTS);
}

/** Below this many elements a loop beats `TypedArray.set` of a subarray (which allocates a view). */
const SET_MIN = 16;

function copy(from: NumericArray, src: number, to: NumericArray, dst: number, n: number): void {
  if (n >= SET_MIN) to.set(from.subarray(src, src + n), dst);
  else for (let k = 0; k < n; k++) to[dst + k] = from[src + k];
}

function slice(tf: Tfjs, inputs: KernelParams['inputs'], backend: WasmBackendLike, attrs: Attrs): TensorInfo | null {
  const x = input(inputs, 'x', 'Slice');
  if (x.dtype === 'string') return null;
  const [begin, size] = tf.slice_util.parseSliceParams(
    x as unknown as Parameters<Tfjs['slice_util']['parseSliceParams']>[0],
    attrs.begin as number | number[],
    attrs.size as number | number[] | undefined,
  );
  const out = backend.makeOutput(size, x.dtype);
  const n = sizeOf(size);
  if (n === 0) return out;
  // Views after makeOutput: an allocation may grow the heap and detach older views.
  const xv = backend.typedArrayFromHeap(x);
  const ov = backend.typedArrayFromHeap(out);
  const strides = tf.util.computeStrides(x.shape);
  if (tf.slice_util.isSliceContinous(x.shape, begin, size)) {
    const offset = tf.slice_util.computeFlatOffset(begin, strides);
    ov.set(xv.subarray(offset, offset + n));
    return out;
  }
  // Not contiguous (rank ≥ 2): copy one run of the last axis per index of the others.
  const rank = x.shape.length;
  const run = size[rank - 1];
  const at = new Array<number>(rank - 1).fill(0);
  for (let o = 0; o < n; o += run) {
    let src = begin[rank - 1];
    for (let d = 0; d < rank - 1; d++) src += (begin[d] + at[d]) * strides[d];
    copy(xv, src, ov, o, run);
    for (let d = rank - 2; d >= 0 && ++at[d] === size[d]; d--) at[d] = 0;
  }
  return out;
}

function gather(tf: Tfjs, inputs: KernelParams['inputs'], backend: WasmBackendLike, attrs: Attrs): TensorInfo | null {
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
