/**
 * `UnsortedSegmentSum` on wasm, which tfjs-backend-wasm 4.22 does not ship: the gradient of gather,
 * needed to train `tf.layers.embedding`. A JS loop over the wasm heap.
 */
import type { Tfjs, TF } from '../tfjs';
import type { Op } from './op';
import { asWasmBackend, input, sizeOf, type TensorInfo, type WasmBackendLike, type WasmCall } from './wasmHeap';

export const unsortedSegmentSum: Op<WasmBackendLike> = {
  kernelName: 'UnsortedSegmentSum',
  backendName: 'wasm',
  reason: 'missing',
  backend: asWasmBackend,
  run,
};

// out[s, ...] = Σ_{i : segmentIds[i] = s} x[i, ...]; ids outside [0, numSegments) are dropped.

function run(_tf: Tfjs, { inputs, backend, attrs }: WasmCall): TensorInfo {
  const name = 'UnsortedSegmentSum';
  const x = input(inputs, 'x', name);
  const segmentIds = input(inputs, 'segmentIds', name);
  const numSegments = Number(attrs.numSegments);
  if (!Number.isInteger(numSegments) || numSegments < 0) {
    throw new Error(`bmnb ${name}: numSegments must be a non-negative integer, got ${String(attrs.numSegments)}`);
  }
  const idRank = segmentIds.shape.length;
  for (let i = 0; i < idRank; i++) {
    if (x.shape[i] !== segmentIds.shape[i]) {
      throw new Error(
        `bmnb ${name}: segmentIds shape [${segmentIds.shape.join(', ')}] must be a prefix of ` +
          `x shape [${x.shape.join(', ')}]`,
      );
    }
  }
  const dtype: TF.DataType = x.dtype === 'int32' ? 'int32' : 'float32';
  const innerShape = x.shape.slice(idRank);
  const inner = sizeOf(innerShape);
  const numIds = sizeOf(segmentIds.shape);
  const out = backend.makeOutput([numSegments, ...innerShape], dtype);
  const ov = backend.typedArrayFromHeap(out);
  const xv = backend.typedArrayFromHeap(x);
  const ids = backend.typedArrayFromHeap(segmentIds);
  ov.fill(0);
  for (let i = 0; i < numIds; i++) {
    const s = ids[i];
    if (!(s >= 0 && s < numSegments)) continue;
    const o = Math.trunc(s) * inner;
    const src = i * inner;
    for (let j = 0; j < inner; j++) ov[o + j] += xv[src + j];
  }
  return out;
}
