/**
 * Identity and same-dtype Cast on wasm without a copy, and Cast to bool with the right values: the output shares the input's data, as on
 * the cpu and webgl backends (tensors are immutable; the backend counts references, as its own
 * Reshape does). tfjs-backend-wasm 4.22 copies the whole tensor in both. The engine clones every
 * tensor a gradient saves (each conv's output, each pool's output) and Relu's gradient casts
 * float32 to float32, so a CNN step copied about 20 MB per conv layer for nothing (7 ms of a
 * 148 ms CIFAR-10 step for the first layer's `Identity` alone). Strings, complex64 (registered
 * over the complex64 guard, which sends it to cpu) and the other casts: the kernel below.
 *
 * Cast to bool: tfjs-backend-wasm 4.22 copies the numbers into bytes (3.7 → 3, -2 → 254, 256 → 0:
 * wrong, and 256 false); bmnb's gives 1 for every value that is not 0 (NaN included), as cpu does.
 */
import type { Op } from './op';
import { asWasmBackend, input, type DataId, type TensorInfo, type WasmBackendLike, type WasmCall } from './wasmHeap';

/** The part of the wasm backend that shares data between tensors, and makes and reads them. */
export interface SharingBackend extends WasmBackendLike {
  incRef(dataId: DataId): void;
}

function asSharingBackend(backend: unknown, kernelName: string): SharingBackend {
  const b = asWasmBackend(backend, kernelName) as Partial<SharingBackend>;
  if (typeof b.incRef !== 'function') throw new Error(`bmnb ${kernelName}: expected the tfjs-backend-wasm backend object`);
  return b as SharingBackend;
}

/** A tensor info over `x`'s data, one more reference to it. */
function share(backend: SharingBackend, x: TensorInfo): TensorInfo {
  backend.incRef(x.dataId);
  return { dataId: x.dataId, shape: x.shape.slice(), dtype: x.dtype };
}

export const identity: Op<SharingBackend> = {
  kernelName: 'Identity',
  backendName: 'wasm',
  reason: 'no-copy',
  backend: asSharingBackend,
  run: (_tf, { inputs, backend }) => {
    const x = input(inputs as WasmCall['inputs'], 'x', 'Identity');
    return x.dtype === 'string' || x.dtype === 'complex64' ? null : share(backend, x);
  },
};

export const cast: Op<SharingBackend> = {
  kernelName: 'Cast',
  backendName: 'wasm',
  // Also a fix (casts to bool), but registered over the complex64 guard, whose id is fix:wasm:Cast.
  reason: 'no-copy',
  backend: asSharingBackend,
  run: (_tf, { inputs, backend, attrs }) => {
    const x = input(inputs as WasmCall['inputs'], 'x', 'Cast');
    if (x.dtype === 'string' || x.dtype === 'complex64') return null;
    if (x.dtype === attrs.dtype) return share(backend, x);
    if (attrs.dtype !== 'bool') return null;
    const out = backend.makeOutput(x.shape, 'bool');
    // Views after makeOutput, which may grow (and so move) the heap.
    const o = backend.typedArrayFromHeap(out);
    const v = backend.typedArrayFromHeap(x);
    for (let i = 0; i < v.length; i++) o[i] = v[i] !== 0 ? 1 : 0;
    return out;
  },
};
