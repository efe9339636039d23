/**
 * What bmnb's wasm ops share: the part of tfjs-backend-wasm's backend object they use (tensors
 * live on the wasm heap), copies between heap views, and argument checks that name the op and the
 * problem.
 */
import type { WasmModuleLike } from '../simd';
import type { TF } from '../tfjs';
import type { OpCall, TensorInfo } from './op';

export type { Attrs, TensorInfo } from './op';
export type DataId = TF.TensorInfo['dataId'];
export type NumericArray = Float32Array | Int32Array | Uint8Array;

/** The part of tfjs-backend-wasm's `BackendWasm` these kernels use. */
export interface WasmBackendLike {
  makeOutput(shape: number[], dtype: TF.DataType, memoryOffset?: number, values?: TF.TypedArray): TensorInfo;
  typedArrayFromHeap(info: TensorInfo): NumericArray;
  disposeData(dataId: DataId, force?: boolean): boolean;
  /** The emscripten module: its memory, for bmnb's SIMD kernels (src/backends/simd.ts). */
  wasm?: WasmModuleLike;
}

export type WasmCall = OpCall<WasmBackendLike>;
export type Padding = 'same' | 'valid' | number | TF.backend_util.ExplicitPadding;
export type RoundingMode = 'floor' | 'round' | 'ceil' | undefined;
export type Shape4 = [number, number, number, number];

/** The backend object of a wasm op's call, checked. */
export function asWasmBackend(backend: unknown, kernelName: string): WasmBackendLike {
  const b = backend as Partial<WasmBackendLike> | null;
  if (
    b == null ||
    typeof b.makeOutput !== 'function' ||
    typeof b.typedArrayFromHeap !== 'function' ||
    typeof b.disposeData !== 'function'
  ) {
    throw new Error(`bmnb ${kernelName}: expected the tfjs-backend-wasm backend object`);
  }
  return b as WasmBackendLike;
}

export function input(inputs: WasmCall['inputs'], name: string, kernelName: string): TensorInfo {
  const t = inputs[name];
  if (t == null) throw new Error(`bmnb ${kernelName}: missing input '${name}'`);
  return t;
}

export function as4D(shape: readonly number[], what: string, kernelName: string): Shape4 {
  if (shape.length !== 4) {
    throw new Error(`bmnb ${kernelName}: ${what} must be rank 4 (NHWC), got shape [${shape.join(', ')}]`);
  }
  return [shape[0], shape[1], shape[2], shape[3]];
}

export function pair(v: unknown, dflt: number): [number, number] {
  if (v == null) return [dflt, dflt];
  if (typeof v === 'number') return [v, v];
  const a = v as number[];
  return [a[0], a.length > 1 ? a[1] : a[0]];
}

export function checkNHWC(dataFormat: unknown, kernelName: string): void {
  if (dataFormat != null && dataFormat !== 'NHWC' && dataFormat !== 'channelsLast') {
    throw new Error(
      `bmnb ${kernelName} on wasm supports only dataFormat 'NHWC' (got '${String(dataFormat)}'); ` +
        'transpose the input to NHWC or use another backend',
    );
  }
}

export function checkNoDilation(dilations: unknown, kernelName: string): void {
  const [dh, dw] = pair(dilations, 1);
  if (dh !== 1 || dw !== 1) {
    throw new Error(
      `bmnb ${kernelName} on wasm supports only dilations 1 (got [${dh}, ${dw}]), as do tfjs's conv gradients`,
    );
  }
}

export function sizeOf(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

/** Below this many elements a loop beats `TypedArray.set` of a subarray (which allocates a view). */
const SET_MIN = 16;

/** Copies `n` elements from `from[src…]` to `to[dst…]`. */
export function copy(from: NumericArray, src: number, to: NumericArray, dst: number, n: number): void {
  if (n >= SET_MIN) to.set(from.subarray(src, src + n), dst);
  else for (let k = 0; k < n; k++) to[dst + k] = from[src + k];
}

/** Writes `src` [N, H, W, C] into `dst` [N, dH, dW, C] at every sH-th row and sW-th column; zeros elsewhere. */
export function dilateInto(
  src: ArrayLike<number>, dst: Float32Array, N: number, H: number, W: number, C: number,
  sH: number, sW: number, dH: number, dW: number,
): void {
  dst.fill(0);
  for (let n = 0; n < N; n++) {
    for (let h = 0; h < H; h++) {
      for (let w = 0; w < W; w++) {
        const s = ((n * H + h) * W + w) * C;
        const t = ((n * dH + h * sH) * dW + w * sW) * C;
        for (let c = 0; c < C; c++) dst[t + c] = src[s + c];
      }
    }
  }
}
