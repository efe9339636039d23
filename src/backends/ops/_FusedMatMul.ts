/**
 * `_FusedMatMul` (a matrix product with bias and activation: dense layers, attention blocks,
 * converted graph models) on wasm.
 *
 * - **Fix**: tfjs-backend-wasm 4.22 adds the bias wrongly when the product has a batch dimension
 *   above 1 (`[2,6,4]×[2,4,5]` with a bias: wrong numbers, no error), and refuses a bias or PReLU
 *   weights of rank above 1 ("only supports rank-1 bias"), which cpu accepts. Those calls are
 *   computed here as the backend's `BatchMatMul`, then `Add` (broadcasting the bias as cpu does),
 *   then the activation's own kernel; the temporaries are freed, so the engine sees one new buffer.
 * - **Faster**: the other calls (dense layers: batch 1, rank-1 bias) go to the backend's own fused
 *   kernel, transposed first as BatchMatMul is (see BatchMatMul.ts).
 */
import type { TF, Tfjs } from '../tfjs';
import { untransposedMatMul } from './BatchMatMul';
import type { Attrs, Op, OpCall } from './op';
import { asWasmBackend, type TensorInfo, type WasmBackendLike, type WasmCall } from './wasmHeap';

const transposedFirst = untransposedMatMul('_FusedMatMul');

/** tfjs's fused activations and the kernel of each. */
const ACTIVATION_KERNELS: Record<string, string | undefined> = {
  linear: undefined,
  relu: 'Relu',
  relu6: 'Relu6',
  elu: 'Elu',
  sigmoid: 'Sigmoid',
  leakyrelu: 'LeakyRelu',
  prelu: 'Prelu',
};

const size = (dims: readonly number[]) => dims.reduce((n, d) => n * d, 1);

/** Whether the stock kernel gets this call wrong or refuses it. */
function stockFails({ a, b, bias, preluActivationWeights }: Partial<Record<string, TensorInfo>>): boolean {
  const batch = Math.max(size(a!.shape.slice(0, -2)), size(b!.shape.slice(0, -2)));
  return batch > 1 || (bias?.shape.length ?? 0) > 1 || (preluActivationWeights?.shape.length ?? 0) > 1;
}

/** BatchMatMul, + bias, activation: each with the backend's own kernel. */
function decomposed(tf: Tfjs, call: WasmCall): TensorInfo {
  const { a, b, bias, preluActivationWeights } = call.inputs as Record<string, TensorInfo | undefined>;
  const { transposeA, transposeB, activation, leakyreluAlpha } = call.attrs as Attrs & { activation?: string; leakyreluAlpha?: number };
  const backend = call.backend as unknown as TF.KernelBackend;
  const runKernel = (name: string, inputs: TF.NamedTensorInfoMap, attrs: Attrs = {}): TensorInfo => {
    const kernel = tf.getKernel(name, 'wasm') as TF.KernelConfig | undefined;
    if (!kernel) throw new Error(`bmnb _FusedMatMul: the wasm backend has no ${name} kernel`);
    return kernel.kernelFunc({ inputs, backend, attrs: attrs as TF.NamedAttrMap }) as TensorInfo;
  };
  const activationKernel = ACTIVATION_KERNELS[activation ?? 'linear'];
  if (activation && !(activation in ACTIVATION_KERNELS)) throw new Error(`bmnb _FusedMatMul: unknown activation '${activation}'`);
  let out = runKernel('BatchMatMul', { a: a!, b: b! }, { transposeA, transposeB });
  const then = (next: (x: TensorInfo) => TensorInfo) => {
    try {
      const r = next(out);
      call.backend.disposeData(out.dataId);
      out = r;
    } catch (err) {
      call.backend.disposeData(out.dataId);
      throw err;
    }
  };
  if (bias) then((x) => runKernel('Add', { a: x, b: bias }));
  if (activationKernel === 'Prelu') then((x) => runKernel('Prelu', { x, alpha: preluActivationWeights! }));
  else if (activationKernel === 'LeakyRelu') then((x) => runKernel('LeakyRelu', { x }, { alpha: leakyreluAlpha ?? 0.2 }));
  else if (activationKernel) then((x) => runKernel(activationKernel, { x }));
  return out;
}

export const fusedMatMul: Op<WasmBackendLike> = {
  kernelName: '_FusedMatMul',
  backendName: 'wasm',
  reason: 'fix',
  backend: asWasmBackend,
  run: (tf: Tfjs, call: OpCall<WasmBackendLike>, original) => (stockFails(call.inputs) ? decomposed(tf, call) : transposedFirst.run(tf, call, original)),
};
