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


/** A faster path for a kernel: its result, or null to run the original kernel. */
export type FastPath = (tf: Tfjs, inputs: KernelParams['inputs'], backend: WasmBackendLike, attrs: Attrs) => TensorInfo | null;

/**
 * Replaces wasm kernels with `fast` paths that fall back to the original kernel where they
 * return null. `mark` tells our wrappers apart, so a second call does not wrap again. Returns the
 * names replaced (now or earlier); a kernel the backend lacks is skipped.
 */
export function replaceWasmKernels(tf: Tfjs, mark: symbol, replacements: ReadonlyArray<readonly [string, FastPath]>): string[] {
  const done: string[] = [];
  for (const [name, fast] of replacements) {
    const original = tf.getKernel(name, 'wasm') as TF.KernelConfig | undefined;
    if (!original) continue;
    if ((original.kernelFunc as unknown as Record<symbol, unknown>)[mark]) {
      done.push(name);
      continue;
    }
    const kernelFunc: TF.KernelFunc = (args) => {
      const r = fast(tf, args.inputs, asWasmBackend(args.backend, name), (args.attrs ?? {}) as Attrs);
      return r ?? original.kernelFunc(args);
    };
    Object.defineProperty(kernelFunc, mark, { value: true });
    tf.unregisterKernel(name, 'wasm');
    tf.registerKernel({ ...original, kernelFunc });
    done.push(name);
  }
  return done;
}
