/**
 * What bmnb's wasm kernels share: the part of tfjs-backend-wasm's backend object they use, and
 * argument checks that name the kernel and the problem.
 */
import type * as TF from '@tensorflow/tfjs';

export type Tfjs = typeof import('@tensorflow/tfjs');
export type TensorInfo = TF.TensorInfo;
export type DataId = TF.TensorInfo['dataId'];
export type NumericArray = Float32Array | Int32Array | Uint8Array;

/** The part of tfjs-backend-wasm's `BackendWasm` these kernels use. */
export interface WasmBackendLike {
  makeOutput(shape: number[], dtype: TF.DataType, memoryOffset?: number, values?: TF.TypedArray): TensorInfo;
  typedArrayFromHeap(info: TensorInfo): NumericArray;
  disposeData(dataId: DataId, force?: boolean): boolean;
}

export type KernelParams = Parameters<TF.KernelFunc>[0];
export type Attrs = Record<string, unknown>;
export type Padding = 'same' | 'valid' | number | TF.backend_util.ExplicitPadding;
export type RoundingMode = 'floor' | 'round' | 'ceil' | undefined;
export type Shape4 = [number, number, number, number];

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

export function input(inputs: KernelParams['inputs'], name: string, kernelName: string): TensorInfo {
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

